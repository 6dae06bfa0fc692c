#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide settings that running bees needs, applied once.
enum ProcessSupervision {
    /// - SIGPIPE is ignored: a bee that exits without reading its stdin must give us EPIPE,
    ///   not kill the sidecar. (Children get default signal dispositions back from Subprocess.)
    /// - On Linux we become a child subreaper: a bee's children that outlive it are re-parented
    ///   to us instead of init, so we can reap them. Many container inits (or a sidecar that is
    ///   PID 1 itself) never reap, and the zombies would pile up.
    static func prepare() {
        _ = prepared
    }

    private static let prepared: Bool = {
        signal(SIGPIPE, SIG_IGN)
        #if os(Linux)
        becomeChildSubreaper()
        #endif
        return true
    }()

    #if os(Linux)
    private static func becomeChildSubreaper() {
        // prctl(2) is variadic in C and so not imported into Swift; on Linux's calling
        // conventions, calling it with four fixed integer arguments is equivalent.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "prctl") else { return }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        let setChildSubreaper: Int32 = 36  // PR_SET_CHILD_SUBREAPER
        _ = prctl(setChildSubreaper, 1, 0, 0, 0)
    }
    #endif
}
