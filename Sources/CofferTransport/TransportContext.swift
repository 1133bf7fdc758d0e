import Logging
import NIOCore

/// What every connection of one transport shares: configuration, TLS contexts, callbacks, counters.
final class TransportContext: Sendable {
    let configuration: PeerTransportConfiguration
    let tls: PeerTLS
    let members: PeerTransport.MembersProvider
    let onMessage: PeerTransport.MessageHandler
    let onRequest: PeerTransport.RequestHandler
    let logger: Logger
    let counters = CounterBox()
    /// Admits accepted connections within the configured limits and rate-limits the log lines
    /// about peers it refuses.
    let inboundGuard: ConnectionGuard

    init(configuration: PeerTransportConfiguration, tls: PeerTLS, members: @escaping PeerTransport.MembersProvider,
         onMessage: @escaping PeerTransport.MessageHandler, onRequest: @escaping PeerTransport.RequestHandler,
         logger: Logger) {
        self.configuration = configuration
        self.tls = tls
        self.members = members
        self.onMessage = onMessage
        self.onRequest = onRequest
        self.logger = logger
        self.inboundGuard = ConnectionGuard(limits: configuration.inboundLimits, port: "peer", logger: logger)
    }

    /// The current peers' addresses: the membership without this node.
    func peerAddress(of nodeID: String) -> String? {
        guard nodeID != configuration.nodeID else { return nil }
        return members()[nodeID]
    }

    func isPeer(_ nodeID: String) -> Bool { peerAddress(of: nodeID) != nil }
}
