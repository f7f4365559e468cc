// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "bec-milter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bec-milter", targets: ["bec-milter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
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
                dependencies: ["BECCore", "BECICU", "BECRules", "BECMilter",
                               .product(name: "ArgumentParser", package: "swift-argument-parser"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/BECCommands"),
        .executableTarget(name: "bec-milter", dependencies: ["BECCommands"], path: "Sources/bec-milter"),
        .testTarget(name: "BECCoreTests", dependencies: ["BECCore", "BECICU"], path: "Tests/BECCoreTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "BECICUTests", dependencies: ["BECICU", "BECCore"], path: "Tests/BECICUTests"),
        .testTarget(name: "BECRulesTests", dependencies: ["BECRules", "BECCore", "BECICU"], path: "Tests/BECRulesTests"),
        .testTarget(name: "BECCommandsTests", dependencies: ["BECCommands"], path: "Tests/BECCommandsTests"),
        .testTarget(name: "BECMilterTests", dependencies: ["BECMilter", "BECCore", "BECRules", "BECICU"], path: "Tests/BECMilterTests"),
    ],
    swiftLanguageModes: [.v6]
)
