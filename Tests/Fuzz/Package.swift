// swift-tools-version:6.0
// libFuzzer targets for bec-milter, kept in their own package so the main build never links them.
// Build and run with ./run.sh SECONDS (uses -sanitize=fuzzer,address).
import PackageDescription

let package = Package(
    name: "bec-fuzz",
    dependencies: [.package(name: "bec-milter", path: "../..")],
    targets: [
        .executableTarget(name: "FuzzMessage", dependencies: [.product(name: "BECFuzzSupport", package: "bec-milter")]),
        .executableTarget(name: "FuzzRules", dependencies: [.product(name: "BECFuzzSupport", package: "bec-milter")]),
        .executableTarget(name: "FuzzCallbacks", dependencies: [.product(name: "BECFuzzSupport", package: "bec-milter")]),
    ],
    swiftLanguageModes: [.v6]
)
