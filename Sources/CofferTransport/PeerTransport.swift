import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Coffer's node-to-node transport: frames over mutual TLS 1.3, certificates from the cluster CA,
/// and a peer is accepted only while its certificate names a current member.
///
/// Each node dials one outbound connection per peer for everything it sends (`send`, `call`) and
/// accepts the peers' connections for everything it receives; answers to a call come back on
/// the connection the call went out on.
public final class PeerTransport: Sendable {
    /// Takes one one-way frame (from `send`); `from` is the id proven by the peer's certificate.
    /// It runs on the connection's event loop, in the order the peer sent the frames, so it must
    /// hand the frame on without blocking. Called in place, a Raft message reaches its driver
    /// without the hop through a task that doubled its wake-ups.
    public typealias MessageHandler = @Sendable (_ frame: PeerFrame, _ from: String) -> Void
    /// Answers one `request` (from `call`) in a task of its own; the returned frame goes back to
    /// the caller as the `response` with the request's correlation id.
    public typealias RequestHandler = @Sendable (_ frame: PeerFrame, _ from: String) async -> PeerFrame?
    /// The current membership, node id to peer address `host:port`; read at every connection
    /// and frame, so changes apply at once.
    public typealias MembersProvider = @Sendable () -> [String: String]

    public let configuration: PeerTransportConfiguration
    private let context: TransportContext
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    /// The listener's own thread.
    private let acceptGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let state = NIOLockedValueBox(State())

    private struct State {
        enum Phase { case initial, running, shutDown }
        var phase = Phase.initial
        var serverChannel: (any Channel)?
        var peers: [String: OutboundPeer] = [:]
        var inbound: [ObjectIdentifier: any Channel] = [:]
    }

    /// Loads the TLS files (throws if they are missing or invalid); binds nothing until `start`.
    /// Without an `eventLoopGroup`, the transport runs and later shuts down its own single thread.
    public init(configuration: PeerTransportConfiguration, members: @escaping MembersProvider, logger: Logger,
                eventLoopGroup: (any EventLoopGroup)? = nil,
                onMessage: @escaping MessageHandler, onRequest: @escaping RequestHandler) throws {
        self.configuration = configuration
        let tls = try PeerTLS(files: configuration.tls)
        self.context = TransportContext(configuration: configuration, tls: tls, members: members,
                                        onMessage: onMessage, onRequest: onRequest, logger: logger)
        self.group = eventLoopGroup ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.ownsGroup = eventLoopGroup == nil
    }

    /// The port the listener is bound to (useful with port 0), nil before `start`.
    public var listeningPort: Int? {
        state.withLockedValue { $0.serverChannel?.localAddress?.port }
    }

    public var counters: PeerTransportCounters { context.counters.value }

    /// Binds the peer port and starts accepting peers.
    public func start() async throws {
        let context = self.context
        let configuration = self.configuration
        let limits = configuration.inboundLimits
        // Connections are accepted on a thread of their own, so a flood of them never waits
        // behind, or holds up, the Raft traffic on the transport's loop.
        let bootstrap = ServerBootstrap(group: acceptGroup, childGroup: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [weak self] channel in
                self?.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        context.inboundGuard.admissionHandler(),
                        NIOSSLServerHandler(context: context.tls.serverContext),
                        context.inboundGuard.handshakeTimeoutHandler(),
                        IdleStateHandler(readTimeout: limits.idleTimeout),
                        ByteToMessageHandler(PeerFrameDecoder(maxPayloadLength: configuration.maxPayloadLength)),
                        MessageToByteHandler(PeerFrameEncoder(maxPayloadLength: configuration.maxPayloadLength)),
                        InboundConnectionHandler(context: context),
                    ])
                }
            }
        let channel = try await bootstrap.bind(host: configuration.listenHost, port: configuration.listenPort).get()
        let refusal: PeerTransportError? = state.withLockedValue { state in
            switch state.phase {
            case .initial:
                state.phase = .running
                state.serverChannel = channel
                return nil
            case .running: return .alreadyStarted
            case .shutDown: return .shutDown
            }
        }
        if let refusal {
            try? await channel.close()
            throw refusal
        }
        context.logger.info("peer transport listening", metadata: [
            "node": "\(configuration.nodeID)", "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
        ])
    }

    /// Queues a one-way frame for `nodeID` without waiting; it may be lost (Raft tolerates loss).
    /// Returns false when it was dropped at once: unknown peer, full queue, oversized, not
    /// running, or a `request` (which expects an answer: use `call`).
    @discardableResult
    public func send(_ frame: PeerFrame, to nodeID: String) -> Bool {
        guard frame.kind != .request, frame.payload.readableBytes <= configuration.maxPayloadLength,
              let address = context.peerAddress(of: nodeID) else {
            context.counters.update { $0.framesDropped += 1 }
            return false
        }
        // Under the lock so that shutdown cannot stop the event loop between the check and the hop.
        return state.withLockedValue { state in
            guard state.phase == .running else { return false }
            return peer(nodeID, in: &state).send(frame, address: address)
        }
    }

    /// Sends `frame` as a `request` and waits for the `response` with the same correlation id (the
    /// transport sets both kind and id). Throws on timeout, when the connection closes first, and at once
    /// when the peer is unknown or was unreachable a moment ago (its reconnect backoff).
    /// Cancelling the calling task fails it with `CancellationError`.
    public func call(_ frame: PeerFrame, to nodeID: String, timeout: Duration) async throws -> PeerFrame {
        guard frame.payload.readableBytes <= configuration.maxPayloadLength else {
            throw PeerTransportError.frameTooLarge(length: frame.payload.readableBytes, max: configuration.maxPayloadLength)
        }
        guard let address = context.peerAddress(of: nodeID) else { throw PeerTransportError.unknownPeer(nodeID) }
        let answer = try state.withLockedValue { state in
            switch state.phase {
            case .initial: throw PeerTransportError.notStarted
            case .shutDown: throw PeerTransportError.shutDown
            case .running: return peer(nodeID, in: &state).call(frame, address: address, timeout: TimeAmount(timeout))
            }
        }
        // Cancelling the task fails the call at once; a late answer then finds the promise done.
        return try await withTaskCancellationHandler {
            try await answer.futureResult.get()
        } onCancel: {
            answer.fail(CancellationError())
        }
    }

    /// Stops listening, closes every connection, fails pending calls. Idempotent.
    public func shutdown() async {
        let (firstShutdown, server, peers, inbound) = state.withLockedValue { state in
            let firstShutdown = state.phase != .shutDown
            state.phase = .shutDown
            defer { state.serverChannel = nil; state.peers = [:]; state.inbound = [:] }
            return (firstShutdown, state.serverChannel, Array(state.peers.values), Array(state.inbound.values))
        }
        guard firstShutdown else { return }
        try? await server?.close()
        for peer in peers { try? await peer.close().get() }
        for channel in inbound { try? await channel.close() }
        if ownsGroup { try? await group.shutdownGracefully() }
        try? await acceptGroup.shutdownGracefully()
    }

    private func peer(_ nodeID: String, in state: inout State) -> OutboundPeer {
        if let peer = state.peers[nodeID] { return peer }
        let peer = OutboundPeer(nodeID: nodeID, eventLoop: group.next(), context: context)
        state.peers[nodeID] = peer
        return peer
    }

    /// Remembers accepted connections so that shutdown closes them even on a shared event loop group.
    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let tracked = state.withLockedValue { state in
            guard state.phase != .shutDown else { return false }
            state.inbound[id] = channel
            return true
        }
        guard tracked else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLockedValue { $0.inbound.removeValue(forKey: id) }
        }
    }
}

extension TimeAmount {
    /// Saturates at the largest time amount instead of trapping: a duration may come from a
    /// remote value.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow || carry {
            self = .nanoseconds(seconds < 0 ? .min : .max)
        } else {
            self = .nanoseconds(total)
        }
    }
}
