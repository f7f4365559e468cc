// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "bec-milter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bec-milter", targets: ["bec-milter"]),
        .library(name: "BECFuzzSupport", targets: ["BECFuzzSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // ICU enters through one tiny C shim whose header exposes no ICU types.
        .target(
            name: "CICU",
            path: "Sources/CICU",
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        // libmilter from Debian's libmilter-dev.
        .systemLibrary(name: "CMilter", path: "Sources/CMilter", pkgConfig: "milter",
                       providers: [.apt(["libmilter-dev"])]),
        // The pure core: no I/O, no globals.
        .target(name: "BECCore", path: "Sources/BECCore"),
        .target(name: "BECICU", dependencies: ["CICU", "BECCore"], path: "Sources/BECICU"),
        .target(name: "BECRules", dependencies: ["BECCore", "Yams"], path: "Sources/BECRules"),
        .target(name: "BECMilter",
                dependencies: ["CMilter", "BECCore", "BECRules", .product(name: "Logging", package: "swift-log")],
                path: "Sources/BECMilter"),
        .target(name: "BECCommands",
                dependencies: ["BECCore", "BECICU", "BECRules", "BECMilter", "BECQuarantine", "BECWeb", "BECHistory",
                               .product(name: "ArgumentParser", package: "swift-argument-parser"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/BECCommands"),
        .executableTarget(name: "bec-milter", dependencies: ["BECCommands"], path: "Sources/bec-milter"),
        // The quarantine store (SQLite embedded default, PostgreSQL for several milter hosts) and the analysts' web UI.
        .target(name: "BECQuarantine",
                dependencies: ["BECCore", .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "PostgresNIO", package: "postgres-nio"),
                               .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/BECQuarantine"),
        // Sender history (first contact, name bindings, thread ledger): SQLite on one host, PostgreSQL shared.
        .target(name: "BECHistory",
                dependencies: ["BECCore", "BECRules", "BECQuarantine", .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "PostgresNIO", package: "postgres-nio"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/BECHistory"),
        .target(name: "BECWeb",
                dependencies: ["BECCore", "BECQuarantine", .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/BECWeb"),
        .target(name: "BECFuzzSupport",
                dependencies: ["BECCore", "BECICU", "BECRules", "BECMilter", .product(name: "Logging", package: "swift-log")],
                path: "Sources/BECFuzzSupport"),
        .testTarget(name: "BECCoreTests", dependencies: ["BECCore", "BECICU"], path: "Tests/BECCoreTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "BECICUTests", dependencies: ["BECICU", "BECCore"], path: "Tests/BECICUTests"),
        .testTarget(name: "BECRulesTests", dependencies: ["BECRules", "BECCore", "BECICU"], path: "Tests/BECRulesTests"),
        .testTarget(name: "BECCommandsTests", dependencies: ["BECCommands"], path: "Tests/BECCommandsTests"),
        .testTarget(name: "BECQuarantineTests", dependencies: ["BECQuarantine", "BECCore", "BECRules"], path: "Tests/BECQuarantineTests"),
        .testTarget(name: "BECWebTests",
                    dependencies: ["BECWeb", "BECQuarantine", "BECCore", "BECICU",
                                   .product(name: "HummingbirdTesting", package: "hummingbird")],
                    path: "Tests/BECWebTests"),
        .testTarget(name: "BECHistoryTests", dependencies: ["BECHistory", "BECCore", "BECRules", "BECICU",
                                                           .product(name: "PostgresNIO", package: "postgres-nio")], path: "Tests/BECHistoryTests"),
        .testTarget(name: "BECMilterTests", dependencies: ["BECMilter", "BECCore", "BECRules", "BECICU"], path: "Tests/BECMilterTests"),
    ],
    swiftLanguageModes: [.v6]
)
