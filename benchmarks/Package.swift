// swift-tools-version:6.0
// The Resolver's benchmarks, a package of their own so the main package's `swift test`
// never builds them or their dependencies. Run `./run-resolver.sh` (see README.md).
import PackageDescription

// SwiftPM names a path dependency after its folder (`coffer`, `main`, a worktree's name), so
// the main package is referred to by the name of the folder this one sits in.
let mainPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "coffer").lowercased()

let package = Package(
    name: "CofferBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "resolver-bench",
            dependencies: [
                .product(name: "Resolver", package: mainPackage),
                "CPeer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .executableTarget(
            name: "scan-bench",
            dependencies: [
                .product(name: "Resolver", package: mainPackage),
                .product(name: "Raft", package: mainPackage),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The hand-written C one-pass resolver the bar is set against.
        .target(name: "CPeer", cSettings: [.unsafeFlags(["-O2"])]),
    ]
)
