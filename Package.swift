// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "waymark",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "waymark", targets: ["waymark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // libpq, as the system provides it (Debian: libpq-dev).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // A small safe layer over libpq; knows nothing of Waymark.
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The pure engine: no I/O.
        .target(
            name: "WaymarkCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // Lifetime value: BG/NBD, MBG/NBD, Gamma-Gamma, their optimisers and the CLV report. No I/O.
        .target(
            name: "WaymarkLifetime",
            dependencies: ["WaymarkCore"]
        ),
        // The synthetic populations (advisor, retail, grocery). No I/O but the files it is handed.
        .target(
            name: "WaymarkGenerator",
            dependencies: ["WaymarkCore"]
        ),
        // Reports rendered from Mustache templates (the evaluation's HTML page). No I/O.
        .target(
            name: "WaymarkReports",
            dependencies: [
                "WaymarkCore",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates")]
        ),
        // Waymark's SQL: migrations, importers, snapshot streaming, run publishing.
        .target(
            name: "WaymarkStore",
            dependencies: [
                "Postgres",
                "WaymarkCore",
                "WaymarkLifetime",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Migrations")]
        ),
        // JSON-RPC protocol types and handlers.
        .target(
            name: "WaymarkService",
            dependencies: [
                "WaymarkStore",
                "WaymarkCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "waymark",
            dependencies: [
                "WaymarkService",
                "WaymarkStore",
                "WaymarkCore",
                "WaymarkLifetime",
                "WaymarkGenerator",
                "WaymarkReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks, beside the product and not in it: run by scripts/bench.
        .executableTarget(
            name: "waymark-bench",
            dependencies: [
                "WaymarkCore",
                "WaymarkLifetime",
                "WaymarkGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/WaymarkBench",
            resources: [.copy("Resources/bench-engine-catalog.yaml")]
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        .testTarget(name: "WaymarkCoreTests", dependencies: ["WaymarkCore", "WaymarkLifetime", "WaymarkGenerator", "WaymarkReports"]),
        .testTarget(name: "WaymarkLifetimeTests", dependencies: ["WaymarkLifetime", "WaymarkCore"]),
        .testTarget(name: "WaymarkGeneratorTests", dependencies: ["WaymarkGenerator", "WaymarkCore"]),
        .testTarget(name: "WaymarkStoreTests", dependencies: ["WaymarkStore", "WaymarkCore", "WaymarkLifetime", "WaymarkGenerator", "Postgres"]),
        .testTarget(name: "WaymarkServiceTests", dependencies: ["WaymarkService", "WaymarkStore", "WaymarkCore", "Postgres"]),
        .testTarget(name: "WaymarkCLITests", dependencies: ["waymark"], exclude: ["Help"]),
    ]
)

// Strict settings for every Swift target, in one place.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}

// libFuzzer targets, only when scripts/fuzz asks for them (WAYMARK_FUZZ=1, its own scratch path
// .build-fuzz, built with -sanitize=fuzzer,address): never part of the normal build or tests.
if Context.environment["WAYMARK_FUZZ"] == "1" {
    let fuzzers: [(name: String, dependencies: [Target.Dependency])] = [
        ("json-rpc", ["WaymarkService", "WaymarkCore"]),
        ("rules", ["WaymarkCore"]),
        ("csv", ["WaymarkStore", "WaymarkCore"]),
        ("catalog", ["WaymarkCore"]),
    ]
    let strict: [SwiftSetting] = [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Support", swiftSettings: strict))
    for fuzzer in fuzzers {
        package.products.append(.executable(name: "fuzz-\(fuzzer.name)", targets: ["fuzz-\(fuzzer.name)"]))
        package.targets.append(.executableTarget(
            name: "fuzz-\(fuzzer.name)",
            dependencies: fuzzer.dependencies + ["FuzzSupport"],
            path: "Fuzz/Targets/\(fuzzer.name)",
            swiftSettings: strict
        ))
    }
}
