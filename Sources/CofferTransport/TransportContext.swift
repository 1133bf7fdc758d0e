import Logging
import NIOCore

/// What every connection of one transport shares: configuration, TLS contexts, callbacks, counters.
final class TransportContext: Sendable {
    let configuration: PeerTransportConfiguration
    let tls: PeerTLS
    let members: PeerTransport.MembersProvider
    let handler: PeerTransport.InboundHandler
    let logger: Logger
    let counters = CounterBox()

    init(configuration: PeerTransportConfiguration, tls: PeerTLS, members: @escaping PeerTransport.MembersProvider,
         handler: @escaping PeerTransport.InboundHandler, logger: Logger) {
        self.configuration = configuration
        self.tls = tls
        self.members = members
        self.handler = handler
        self.logger = logger
    }

    /// The current peers' addresses: the membership without this node.
    func peerAddress(of nodeID: String) -> String? {
        guard nodeID != configuration.nodeID else { return nil }
        return members()[nodeID]
    }

    func isPeer(_ nodeID: String) -> Bool { peerAddress(of: nodeID) != nil }
}
