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
        // Waymark's SQL: migrations, importers, snapshot streaming, run publishing.
        .target(
            name: "WaymarkStore",
            dependencies: [
                "Postgres",
                "WaymarkCore",
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
                "Postgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        .testTarget(name: "WaymarkCoreTests", dependencies: ["WaymarkCore"]),
        .testTarget(name: "WaymarkStoreTests", dependencies: ["WaymarkStore", "WaymarkCore", "Postgres"]),
        .testTarget(name: "WaymarkServiceTests", dependencies: ["WaymarkService", "WaymarkStore", "WaymarkCore", "Postgres"]),
        .testTarget(name: "WaymarkCLITests", dependencies: ["waymark"]),
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
