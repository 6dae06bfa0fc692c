#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What every benchmark is given: how long to run and where it may write.
struct BenchContext: Sendable {
    /// `--quick`: a smoke run, a fraction of the repetitions and data.
    var quick: Bool
    /// A directory on the disk under test (`--dir`, else `$TMPDIR`, else /tmp); each benchmark
    /// makes its own fresh subdirectory and removes it afterwards.
    var baseDirectory: String

    /// Repetitions of one measurement: a few in a full run, one in a quick run.
    func repetitions(_ full: Int) -> Int { quick ? 1 : full }

    /// A new empty directory under `baseDirectory`.
    func makeDirectory(_ prefix: String) -> String {
        var template = Array("\(baseDirectory)/beekeeper-bench-\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "cannot create a directory under \(baseDirectory): errno \(errno)")
        return String(cString: made!)
    }

    /// Removes a directory tree the benchmark made (files and subdirectories).
    func remove(_ path: String) {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                var info = stat()
                if lstat(child, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                    remove(child)
                } else {
                    unlink(child)
                }
            }
            closedir(directory)
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
