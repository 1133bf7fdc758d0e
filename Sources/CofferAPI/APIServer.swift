import CofferNode
import CofferStore
import CofferTransport
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Prometheus

/// The node's HTTPS API.
public struct APIServer {
    public let node: Node
    public let metrics: PrometheusCollectorRegistry
    public let logger: Logger
    /// Keeps the port's connection limits; its counts are the node's to report.
    public let connectionGuard: ConnectionGuard

    public init(node: Node, metrics: PrometheusCollectorRegistry, logger: Logger) {
        self.node = node
        self.metrics = metrics
        self.logger = logger
        connectionGuard = ConnectionGuard(limits: node.config.effectiveLimits.connections(over: ConnectionLimits()),
                                          port: "api", logger: logger)
    }

    public func makeApplication() throws -> some ApplicationProtocol {
        let node = self.node
        let router = Router(context: CofferRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ServiceErrorMiddleware())
        let auth = Authorization(node: node)
        SecretRoutes(node: node, auth: auth).add(to: router)
        RenderRoute(node: node, auth: auth).add(to: router)
        UsageRoute(node: node, auth: auth).add(to: router)
        TokenRoutes(node: node, auth: auth).add(to: router)
        ClusterRoutes(node: node, auth: auth).add(to: router)
        RotationRoutes(node: node, auth: auth).add(to: router)
        TemplateCheckRoute(node: node, auth: auth).add(to: router)
        ScanRoute(node: node, auth: auth).add(to: router)
        ConsoleRoutes(assets: ConsoleAssets.load(logger: logger)).add(to: router)
        router.get("/healthz") { _, _ in
            try JSONBody.response(["status": "ok", "node": node.config.nodeID])
        }
        let metrics = self.metrics
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        guard let address = HostPort(node.config.apiAddress) else {
            throw ServiceError.invalid("api address '\(node.config.apiAddress)' is not host:port")
        }
        return Application(
            router: router,
            server: try .guardedHTTP1(tls: try Self.tlsConfiguration(node.config.tls), connectionGuard: connectionGuard),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "coffer"),
            logger: logger)
    }

    static func tlsConfiguration(_ files: NodeConfig.TLSFiles) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try TLSKeyFile.privateKey(files.privateKeyFile)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        // TLS 1.3 only: every suite it has is an AEAD with forward secrecy, so no CBC or SHA-1
        // suite can be agreed. Every client Coffer ships (and current curl and browsers) speaks it.
        configuration.minimumTLSVersion = .tlsv13
        return configuration
    }
}

/// Turns the node's errors into their HTTP answers.
struct ServiceErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServiceError {
            switch error {
            case .invalid(let message): throw APIError.badRequest(message)
            case .tooLarge(let message): throw APIError(status: .contentTooLarge, code: "too_large", message: message)
            case .notFound(let message): throw APIError.notFound(message)
            case .conflict(let message): throw APIError(status: .conflict, code: "conflict", message: message)
            case .forbidden(let message): throw APIError(status: .forbidden, code: "forbidden", message: message)
            case .unavailable(let message): throw APIError(status: .serviceUnavailable, code: "unavailable", message: message)
            }
        } catch let error as StoreError {
            context.logger.error("storage failure", metadata: ["error": "\(error)"])
            throw APIError(status: .internalServerError, code: "storage", message: "the node could not read or write its storage")
        } catch let error as CommandLogError {
            throw APIError(status: .serviceUnavailable, code: "unavailable", message: error.description)
        }
    }
}
