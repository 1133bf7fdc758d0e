import ArgumentParser
import CCofferShims
import CofferAPI
import CofferNode
import CofferTransport
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "Run one Coffer node.")

    @Option(help: "The node's config file, as `coffer dev` writes it.")
    var config: String

    @Flag(help: "Start even if core dumps cannot be turned off (a dump could then hold values).")
    var allowCoreDumps = false

    func run() async throws {
        try ProcessHardening.apply(allowCoreDumps: allowCoreDumps)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "coffer")
        let nodeConfig: NodeConfig
        do {
            nodeConfig = try NodeConfig.load(from: config)
        } catch {
            throw ValidationError("cannot read config \(config): \(error)")
        }
        logger[metadataKey: "node"] = "\(nodeConfig.nodeID)"
        do {
            try LockedMemory.start(nodeConfig.effectiveLimits)
        } catch {
            logger.critical("refusing to start", metadata: ["reason": "\(error)"])
            throw ExitCode(2)
        }
        let node: Node
        do {
            node = try Node(config: nodeConfig, logger: logger)
        } catch {
            logger.critical("refusing to start", metadata: ["reason": "\(error)"])
            throw ExitCode(2)
        }
        let transport = try startTransport(for: node, config: nodeConfig, logger: logger)
        node.attach(TransportLink(transport: transport))
        try await transport.start()
        node.start()
        let bootstrap = Task { await node.bootstrapTokensWhenLeading() }
        let app = try APIServer(node: node, metrics: registry, logger: logger).makeApplication()
        logger.info("serving", metadata: ["api": "\(nodeConfig.apiAddress)"])
        // Whatever ends the service, the node stops: the usage trail writes its last counts.
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            bootstrap.cancel()
            node.stop()
            await transport.shutdown()
            throw error
        }
        bootstrap.cancel()
        node.stop()
        await transport.shutdown()
    }

    private func startTransport(for node: Node, config: NodeConfig, logger: Logger) throws -> PeerTransport {
        guard let address = HostPort(config.peerAddress) else {
            throw ValidationError("peer address '\(config.peerAddress)' is not host:port")
        }
        var configuration = PeerTransportConfiguration(
            nodeID: config.nodeID, listenHost: address.host, listenPort: address.port,
            tls: .init(caFile: config.tls.caFile, certificateFile: config.tls.certificateFile,
                       privateKeyFile: config.tls.privateKeyFile))
        configuration.maxPayloadLength = 64 * 1024 * 1024
        configuration.inboundLimits = config.effectiveLimits.connections(over: configuration.inboundLimits)
        return try PeerTransport(
            configuration: configuration, members: { node.currentPeers }, logger: logger,
            onMessage: { frame, member in TransportLink.handleMessage(frame, from: member, node: node) },
            onRequest: { frame, member in await TransportLink.handleRequest(frame, from: member, node: node) })
    }
}

/// Keeps secret values out of core dumps and away from debuggers of other users.
enum ProcessHardening {
    static func apply(allowCoreDumps: Bool) throws {
        umask(0o077)        // data and log files the node creates are its user's alone
        guard coffer_disable_core_dumps() == 0 else {
            if allowCoreDumps {
                FileHandle.standardError.write(Data("warning: could not disable core dumps; starting as --allow-core-dumps asks\n".utf8))
                return
            }
            throw ValidationError("cannot disable core dumps (setrlimit or prctl failed): a dump could hold secret values; "
                                  + "start with --allow-core-dumps to run anyway")
        }
    }
}
