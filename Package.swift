// swift-tools-version:6.2
import PackageDescription

// Every module hides its dependencies unless it re-exports them on purpose (`public import`).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "beekeeper",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "beekeeper", targets: ["beekeeper"]),
        .executable(name: "beekeeper-bench", targets: ["beekeeper-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // The HTTP edge (BeekeeperServer/Edge*) puts its own handlers into Hummingbird's NIO pipeline.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // Bench-only: the /metrics baseline users know (beekeeper-bench exposition-vs-swift-prometheus).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
    ],
    targets: [
        // MARK: C libraries from Debian, one system module each, wrapped by one Swift module each.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .target(name: "Sodium", dependencies: ["CSodium"], swiftSettings: swiftSettings),
        .target(name: "Zlib", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        .target(name: "Curl", dependencies: ["CCurl"], swiftSettings: swiftSettings),
        .target(name: "Postgres", dependencies: ["CLibPQ"], swiftSettings: swiftSettings),
        .target(name: "PCRE2", dependencies: ["CPCRE2"], swiftSettings: swiftSettings),
        .systemLibrary(name: "CSecp256k1", pkgConfig: "libsecp256k1", providers: [.apt(["libsecp256k1-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "Secp256k1", dependencies: ["CSecp256k1"], swiftSettings: swiftSettings),
        .target(name: "LibCrypto", dependencies: ["CLibCrypto"], swiftSettings: swiftSettings),
        // ISA-L's igzip: gzip output several times faster than zlib, for sealing audit segments.
        .systemLibrary(name: "CISAL", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        .target(name: "ISAL", dependencies: ["CISAL"], swiftSettings: swiftSettings),

        // MARK: Beekeeper's concerns.
        .target(name: "BeekeeperCore", swiftSettings: swiftSettings),
        .target(
            name: "BeekeeperConfig",
            dependencies: ["BeekeeperCore", "PCRE2", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(name: "BeekeeperGuardian", dependencies: ["BeekeeperCore", "BeekeeperConfig", "PCRE2"], swiftSettings: swiftSettings),
        .target(
            name: "BeekeeperExecution",
            dependencies: [
                "BeekeeperCore", "BeekeeperConfig",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BeekeeperAudit",
            dependencies: ["BeekeeperCore", "BeekeeperConfig", "LibCrypto", "Sodium", "Zlib", "ISAL", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "BeekeeperMetrics", swiftSettings: swiftSettings),
        .target(name: "BeekeeperAuth", dependencies: ["BeekeeperCore", "Sodium"], swiftSettings: swiftSettings),
        .target(
            name: "BeekeeperShipper",
            dependencies: [
                "BeekeeperAudit", "BeekeeperConfig", "BeekeeperCore", "Curl", "Sodium",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BeekeeperBackup",
            dependencies: [
                "BeekeeperCore", "BeekeeperConfig", "Postgres", "Zlib", "Sodium",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The task pipeline: one entry point for every source (HTTP, ColonyOS); knows nothing of either.
        .target(
            name: "BeekeeperPipeline",
            dependencies: [
                "BeekeeperCore", "BeekeeperConfig", "BeekeeperGuardian", "BeekeeperExecution", "BeekeeperAudit", "BeekeeperMetrics", "Sodium",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Beekeeper as a ColonyOS executor: a second source of tasks for the same pipeline.
        .target(
            name: "BeekeeperColoniesSource",
            dependencies: [
                "BeekeeperColonies", "BeekeeperPipeline", "BeekeeperConfig", "BeekeeperCore", "BeekeeperAudit", "BeekeeperMetrics",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The audit review pages (SPEC section 12): server-rendered HTML over any audit directory,
        // for the sidecar's router and `beekeeper audit serve`.
        .target(
            name: "BeekeeperAuditPages",
            dependencies: [
                "BeekeeperAudit", "BeekeeperConfig", "BeekeeperCore", "Sodium",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BeekeeperServer",
            dependencies: [
                "BeekeeperAuditPages",
                "BeekeeperCore", "BeekeeperConfig", "BeekeeperGuardian", "BeekeeperExecution", "BeekeeperPipeline", "BeekeeperColoniesSource",
                "BeekeeperAudit", "BeekeeperMetrics", "BeekeeperAuth", "BeekeeperShipper", "BeekeeperBackup", "Sodium", "LibCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BeekeeperColonies",
            dependencies: ["BeekeeperCore", "Secp256k1", "LibCrypto", "Sodium", "Curl", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "beekeeper",
            dependencies: [
                "BeekeeperServer", "BeekeeperGuardian", "BeekeeperConfig", "BeekeeperAuth", "BeekeeperAudit", "BeekeeperBackup", "BeekeeperCore",
                "BeekeeperShipper", "BeekeeperColonies", "BeekeeperColoniesSource", "BeekeeperAuditPages", "Sodium", "Curl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmarks: `swift run -c release beekeeper-bench` (results in BENCHMARKS.md).
        .executableTarget(
            name: "beekeeper-bench",
            dependencies: [
                "BeekeeperCore", "BeekeeperConfig", "BeekeeperGuardian", "BeekeeperAudit", "BeekeeperMetrics", "BeekeeperShipper",
                "BeekeeperAuditPages", "BeekeeperAuth", "Sodium", "LibCrypto", "Zlib", "ISAL", "Curl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The /metrics body as the route builds it (exposition-vs-swift-prometheus).
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/BeekeeperBench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests, beside each module.
        .testTarget(name: "SodiumTests", dependencies: ["Sodium"], swiftSettings: swiftSettings),
        .testTarget(name: "ZlibTests", dependencies: ["Zlib"], swiftSettings: swiftSettings),
        .testTarget(name: "ISALTests", dependencies: ["ISAL", "Zlib"], swiftSettings: swiftSettings),
        .testTarget(name: "CurlTests", dependencies: ["Curl"], swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"], swiftSettings: swiftSettings),
        .testTarget(name: "PCRE2Tests", dependencies: ["PCRE2"], swiftSettings: swiftSettings),
        .testTarget(name: "Secp256k1Tests", dependencies: ["Secp256k1", "Sodium"], swiftSettings: swiftSettings),
        .testTarget(name: "LibCryptoTests", dependencies: ["LibCrypto"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BeekeeperColoniesTests",
            dependencies: ["BeekeeperColonies", "BeekeeperCore", "Secp256k1", "LibCrypto", "Sodium", "Curl"],
            exclude: ["Tools"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BeekeeperCoreTests", dependencies: ["BeekeeperCore"], swiftSettings: swiftSettings),
        .testTarget(name: "BeekeeperConfigTests", dependencies: ["BeekeeperConfig"], swiftSettings: swiftSettings),
        .testTarget(name: "BeekeeperGuardianTests", dependencies: ["BeekeeperGuardian", "BeekeeperCore", "BeekeeperConfig", "PCRE2"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BeekeeperExecutionTests",
            dependencies: ["BeekeeperExecution", "BeekeeperCore", "BeekeeperConfig", .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"), .product(name: "SystemPackage", package: "swift-system"),
            ],
            exclude: ["Bees"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BeekeeperAuditTests",
            dependencies: ["BeekeeperAudit", "BeekeeperCore", "Sodium", "Zlib", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BeekeeperPipelineTests",
            dependencies: [
                "BeekeeperPipeline", "BeekeeperAudit", "BeekeeperConfig", "BeekeeperCore", "BeekeeperExecution", "BeekeeperGuardian", "Sodium",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Bees"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BeekeeperServerTests",
            dependencies: [
                "BeekeeperServer", "BeekeeperAuth", "BeekeeperConfig", "BeekeeperCore", "Sodium",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BeekeeperAuditPagesTests",
            dependencies: [
                "BeekeeperAuditPages", "BeekeeperAudit", "BeekeeperCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BeekeeperMetricsTests", dependencies: ["BeekeeperMetrics"], swiftSettings: swiftSettings),
        .testTarget(name: "BeekeeperAuthTests", dependencies: ["BeekeeperAuth", "Sodium"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BeekeeperShipperTests",
            dependencies: [
                "BeekeeperShipper", "BeekeeperAudit", "BeekeeperConfig", "BeekeeperCore", "Curl", "Sodium",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Tools"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BeekeeperBackupTests",
            dependencies: [
                "BeekeeperBackup", "BeekeeperCore", "BeekeeperConfig", "Postgres", "Zlib", "Sodium",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BeekeeperIntegrationTests",
            dependencies: ["BeekeeperCore", "BeekeeperAuth", "Sodium", "Curl", "Zlib", "Postgres"],
            exclude: ["Bees", "Tools"],
            swiftSettings: swiftSettings
        ),
    ]
)
