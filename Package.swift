// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Coffer",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Resolver", targets: ["Resolver"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: Resolver — templates and the secret table; depends on nothing of the project.
        .target(name: "Resolver"),
        .testTarget(name: "ResolverTests", dependencies: ["Resolver"]),

        // MARK: Raft — consensus as a pure state machine, its simulator and checker.
        .target(name: "Raft"),
        .target(name: "Linearizability"),
        .target(name: "RaftSimulation", dependencies: ["Raft", "Linearizability"]),
        .executableTarget(name: "raft-sim", dependencies: [
            "RaftSimulation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "RaftTests", dependencies: ["Raft"]),
        .testTarget(name: "RaftSimulationTests", dependencies: ["RaftSimulation", "Raft"]),
        .testTarget(name: "LinearizabilityTests", dependencies: ["Linearizability"]),
    ]
)
