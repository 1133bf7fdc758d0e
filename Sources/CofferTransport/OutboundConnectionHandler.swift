import NIOCore
import NIOSSL
import NIOTLS

/// The last handler of an outbound connection: reports the handshake, answers and the close to
/// its `OutboundPeer`.
final class OutboundConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = PeerFrame

    private let peer: OutboundPeer
    private let generation: Int
    private var closeReason: (any Error)?

    init(peer: OutboundPeer, generation: Int) {
        self.peer = peer
        self.generation = generation
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            // NIOSSL's hostname check also passes when any SAN IP equals the address dialled, and
            // every node certificate carries IP:127.0.0.1; so check the node id is a SAN DNS name.
            let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
            let names = certificate.map(PeerIdentity.dnsNames(of:)) ?? []
            if names.contains(peer.nodeID) {
                peer.connectionReady(generation: generation, channel: context.channel)
            } else {
                peer.serverNotNamed(names: names)
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard closeReason == nil else { return }
        let frame = unwrapInboundIn(data)
        guard frame.kind == .response else {
            // A listener only ever answers; anything else means the peer does not speak our protocol.
            let error = PeerFrameDecodingError.unexpectedKind(frame.kind.rawValue)
            peer.malformedFrame(error)
            closeReason = error
            context.close(promise: nil)
            return
        }
        peer.received(frame)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard closeReason == nil else { return }  // already closing for an earlier error
        if let error = error as? PeerFrameDecodingError {
            peer.malformedFrame(error)
        }
        closeReason = error
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.connectionEnded(generation: generation, error: closeReason)
        context.fireChannelInactive()
    }
}
