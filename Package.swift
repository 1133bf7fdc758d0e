// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Coffer",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Resolver", targets: ["Resolver"]),
    ],
    dependencies: [],
    targets: [
        // MARK: Resolver — templates and the secret table; depends on nothing of the project.
        .target(name: "Resolver"),
        .testTarget(name: "ResolverTests", dependencies: ["Resolver"]),

        // MARK: Raft — consensus as a pure state machine, its simulator and checker.
    ]
)
