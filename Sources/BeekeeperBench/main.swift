#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// beekeeper-bench [--quick] [--dir PATH] [name...]
// Build in release: `swift build -c release --product beekeeper-bench`. Results go to BENCHMARKS.md.

let benchmarks = [
    AuditAppendBenchmark.name, WindowRecordBenchmark.name, WindowScrapeBenchmark.name, GuardianBenchmark.name,
    JSONBenchmark.name, GzipBenchmark.name, ExpositionBenchmark.name, ExpositionComparisonBenchmark.name, ShipBenchmark.name, ColoniesBenchmark.name,
    BodyHashBenchmark.name, HostileBenchmark.name, HTTPBenchmark.name,
]

func usage() -> String {
    """
    usage: beekeeper-bench [--quick] [--dir PATH] [name...]
      --quick     a short smoke run (fewer repetitions, smaller data)
      --dir PATH  where the audit log and gzip files go (default: $TMPDIR or /tmp; use the disk under test)
      names:      \(benchmarks.joined(separator: " ")) (default: all)
    """
}

var quick = false
var directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
var selected: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--quick": quick = true
    case "--dir":
        guard let path = arguments.popFirst() else {
            print("--dir needs a path\n" + usage())
            exit(2)
        }
        directory = path
    case "-h", "--help":
        print(usage())
        exit(0)
    case let name where benchmarks.contains(name): selected.append(name)
    default:
        print("unknown benchmark or option \"\(argument)\"\n" + usage())
        exit(2)
    }
}
if selected.isEmpty { selected = benchmarks }

#if DEBUG
print("warning: this is a debug build; measure with `swift build -c release`")
#endif
let context = BenchContext(quick: quick, baseDirectory: directory)
print("command: \(CommandLine.arguments.joined(separator: " "))")
print(Machine.describe())
print("scratch directory: \(directory) — \(Machine.fileSystem(of: directory))")
print("")
print(ResultRow.header)
let runStart = Nanoseconds.now()
for name in benchmarks where selected.contains(name) {
    let start = Nanoseconds.now()
    print("<!-- \(name): load \(Machine.loadAverage) -->")
    switch name {
    case AuditAppendBenchmark.name: _ = await AuditAppendBenchmark(context: context).run()
    case WindowRecordBenchmark.name: _ = WindowRecordBenchmark(context: context).run()
    case WindowScrapeBenchmark.name: _ = WindowScrapeBenchmark(context: context).run()
    case GuardianBenchmark.name: _ = GuardianBenchmark(context: context).run()
    case JSONBenchmark.name: _ = JSONBenchmark(context: context).run()
    case GzipBenchmark.name: _ = GzipBenchmark(context: context).run()
    case ExpositionBenchmark.name: _ = ExpositionBenchmark(context: context).run()
    case ExpositionComparisonBenchmark.name: _ = ExpositionComparisonBenchmark(context: context).run()
    case ShipBenchmark.name: _ = await ShipBenchmark(context: context).run()
    case ColoniesBenchmark.name: _ = ColoniesBenchmark(context: context).run()
    case BodyHashBenchmark.name: _ = BodyHashBenchmark(context: context).run()
    case HostileBenchmark.name: _ = HostileBenchmark(context: context).run()
    case HTTPBenchmark.name: _ = HTTPBenchmark(context: context).run()
    default: break
    }
    print("<!-- \(name): \(Format.number(Double(Nanoseconds.now() - start) / 1e9)) s, load \(Machine.loadAverage) -->")
}
print("")
print("total \(Format.number(Double(Nanoseconds.now() - runStart) / 1e9)) s; load at end \(Machine.loadAverage)")
