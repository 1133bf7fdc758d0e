// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Coffer",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Resolver", targets: ["Resolver"]),
        // For the benchmarks package: its seeded generator.
        .library(name: "Raft", targets: ["Raft"]),
        .executable(name: "coffer", targets: ["coffer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "CCofferShims"),

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

        // MARK: Storage and crypto
        .target(name: "CofferCrypto", dependencies: ["COpenSSL"]),
        .testTarget(name: "CofferCryptoTests", dependencies: ["CofferCrypto"]),
        .target(name: "CofferStore", dependencies: ["CLMDB", "CofferCrypto", "Raft"]),
        .testTarget(name: "CofferStoreTests", dependencies: ["CofferStore", "CofferCrypto", "Raft"]),

        // MARK: Peer transport — framed messages over mutual TLS between cluster members.
        .target(name: "CofferTransport", dependencies: [
            "CofferCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "CofferTransportTests", dependencies: [
            "CofferTransport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: The node, its API and the executable
        .target(name: "CofferNode", dependencies: [
            "CofferStore", "CofferCrypto", "Resolver", "Raft",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .testTarget(name: "CofferNodeTests", dependencies: [
            "CofferNode", "CofferStore", "CofferCrypto", "Raft", "Resolver", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "CofferAPI", dependencies: [
            "CofferNode", "CofferStore", "CofferCrypto", "Resolver", "CofferTransport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], resources: [.copy("Console")]),
        .target(name: "CofferClient", dependencies: [
            "CofferCrypto",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "coffer", dependencies: [
            "CofferAPI", "CofferNode", "CofferClient", "CofferCrypto", "CofferStore", "CCofferShims", "CofferTransport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "CofferAPITests", dependencies: ["CofferAPI", "CofferStore", "Resolver"]),
        // CofferStore only to alter a stopped member's files as a tamperer would; Linearizability and
        // Raft (its seeded generator) for the Jepsen-style test.
        .testTarget(name: "EndToEndTests", dependencies: ["CofferClient", "CofferStore", "Linearizability", "Raft"]),
    ]
)
