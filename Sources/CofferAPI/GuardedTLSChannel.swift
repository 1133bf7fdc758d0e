import CofferTransport
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// The API port's connections: admitted within the port's limits before any TLS, given a
/// deadline for the handshake, then HTTP/1.1 with an idle timeout. Hummingbird's `.tls` builder
/// has no place for the first two, so this child channel puts the handlers in order itself.
struct GuardedTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let sslContext: NIOSSLContext
    let connectionGuard: ConnectionGuard

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([
                connectionGuard.admissionHandler(),
                NIOSSLServerHandler(context: sslContext),
                connectionGuard.handshakeTimeoutHandler(),
            ])
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS within `connectionGuard`'s limits.
    static func guardedHTTP1(tls: TLSConfiguration, connectionGuard: ConnectionGuard) throws -> HTTPServerBuilder {
        let sslContext = try NIOSSLContext(configuration: tls)
        let idleTimeout = connectionGuard.limits.idleTimeout
        return HTTPServerBuilder { responder in
            GuardedTLSChannel(base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: idleTimeout)),
                              sslContext: sslContext, connectionGuard: connectionGuard)
        }
    }
}
