import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import NIOTLS

/// The last handler of an accepted connection. After the TLS handshake it names the peer from
/// its certificate and closes the connection unless that is a current member; it then hands
/// frames to the transport's handlers with that authenticated id: one-way frames in place, in
/// order, requests each in a task of its own.
final class InboundConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = PeerFrame

    private let context: TransportContext
    private var peerID: String?
    /// Set once this handler decided to close: frames already decoded behind that point are ignored.
    private var closing = false
    /// Requests run concurrently, each in its own task; this bounds how many at once.
    private let requestsInFlight = NIOLockedValueBox(0)

    init(context: TransportContext) {
        self.context = context
    }

    func userInboundEventTriggered(context channelContext: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            authenticate(channelContext)
        }
        if let event = event as? IdleStateHandler.IdleStateEvent, event == .read {
            closeConnection(channelContext)      // no frame for the idle timeout: the member dials again
        }
        channelContext.fireUserInboundEventTriggered(event)
    }

    private func authenticate(_ channelContext: ChannelHandlerContext) {
        let certificate = try? channelContext.pipeline.syncOperations.nioSSL_peerCertificate()
        let names = certificate.map(PeerIdentity.dnsNames(of:)) ?? []
        guard let id = PeerIdentity.member(named: names, members: context.members().keys,
                                           localID: context.configuration.nodeID) else {
            context.counters.update { $0.peersRefused += 1 }
            context.inboundGuard.noteRefused(address: channelContext.remoteAddress?.ipAddress ?? "?",
                                             reason: "its certificate names no current member (\(names.prefix(4)))")
            closeConnection(channelContext)
            return
        }
        peerID = id
    }

    // The task is spawned from a static function so that it captures only these Sendable values,
    // never `self` (a channel handler, confined to its event loop).
    private static func spawnHandling(of request: PeerFrame, from peerID: String, with handler: @escaping PeerTransport.RequestHandler,
                                      inFlight: NIOLockedValueBox<Int>, answeringOn channel: any Channel) {
        Task { await handle(request, from: peerID, with: handler, inFlight: inFlight, answeringOn: channel) }
    }

    private static func handle(_ request: PeerFrame, from peerID: String, with handler: PeerTransport.RequestHandler,
                               inFlight: NIOLockedValueBox<Int>, answeringOn channel: any Channel) async {
        let response = await handler(request, peerID)
        inFlight.withLockedValue { $0 -= 1 }
        if let response { respond(response, to: request, on: channel) }
    }

    private static func respond(_ response: PeerFrame, to request: PeerFrame, on channel: any Channel) {
        var response = response
        response.kind = .response
        response.correlationID = request.correlationID
        channel.writeAndFlush(response, promise: nil)
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !closing else { return }
        // TLS delivers no application data before the handshake, so peerID is set here; checked anyway.
        guard let peerID else {
            closeConnection(channelContext)
            return
        }
        guard context.isPeer(peerID) else {
            context.counters.update { $0.peersRefused += 1 }
            context.logger.warning("closing the connection of a peer that is no longer a member", metadata: ["peer": "\(peerID)"])
            closeConnection(channelContext)
            return
        }
        switch frame.kind {
        case .request:
            handleRequest(frame, from: peerID, channel: channelContext.channel)
        case .message:
            context.onMessage(frame, peerID)
        case .response:
            // Answers travel on the caller's own outbound connection, never towards a listener.
            context.counters.update { $0.malformedFrames += 1 }
            context.logger.warning("closing the connection of a peer that sent a malformed frame", metadata: [
                "peer": "\(peerID)", "error": "\(PeerFrameDecodingError.unexpectedKind(frame.kind.rawValue))",
            ])
            closeConnection(channelContext)
        }
    }

    /// Requests run concurrently, bounded per connection, so one slow request never holds up others.
    private func handleRequest(_ frame: PeerFrame, from peerID: String, channel: any Channel) {
        let limit = context.configuration.inboundConcurrentRequestLimit
        let admitted = requestsInFlight.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            context.counters.update { $0.framesDropped += 1 }
            return
        }
        Self.spawnHandling(of: frame, from: peerID, with: context.onRequest, inFlight: requestsInFlight, answeringOn: channel)
    }

    func errorCaught(context channelContext: ChannelHandlerContext, error: any Error) {
        guard !closing else { return }
        let peer = peerID ?? "\(channelContext.remoteAddress.map { "\($0)" } ?? "?")"
        if let error = error as? PeerFrameDecodingError {
            context.counters.update { $0.malformedFrames += 1 }
            context.logger.warning("closing the connection of a peer that sent a malformed frame",
                                   metadata: ["peer": "\(peer)", "error": "\(error)"])
        } else if peerID == nil, let error = error as? NIOSSLError, case .handshakeFailed = error {
            context.counters.update { $0.handshakesFailed += 1 }
            context.inboundGuard.noteRefused(address: peer, reason: "its TLS handshake failed: \(error)")
        }
        closeConnection(channelContext)
    }

    private func closeConnection(_ channelContext: ChannelHandlerContext) {
        closing = true
        channelContext.close(promise: nil)
    }
}
