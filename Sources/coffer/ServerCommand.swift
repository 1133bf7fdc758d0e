import ArgumentParser
import CCofferShims
import CofferAPI
import CofferNode
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "Run one Coffer node.")

    @Option(help: "The node's config file, as `coffer dev` writes it.")
    var config: String

    func run() async throws {
        ProcessHardening.apply()
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
        let node: Node
        do {
            node = try Node(config: nodeConfig, logger: logger)
        } catch {
            logger.critical("refusing to start", metadata: ["reason": "\(error)"])
            throw ExitCode(2)
        }
        node.start()
        let bootstrap = Task { await node.bootstrapTokensWhenLeading() }
        let app = try APIServer(node: node, metrics: registry, logger: logger).makeApplication()
        logger.info("serving", metadata: ["api": "\(nodeConfig.apiAddress)"])
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        bootstrap.cancel()
        node.stop()
    }
}

/// Keeps secret values out of core dumps and away from debuggers of other users.
enum ProcessHardening {
    static func apply() {
        if coffer_disable_core_dumps() != 0 {
            FileHandle.standardError.write(Data("warning: could not disable core dumps\n".utf8))
        }
    }
}
