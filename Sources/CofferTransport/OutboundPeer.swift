import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// The one outbound connection to one peer: connected lazily, reconnected after a capped
/// backoff, with a bounded number of frames waiting or in flight.
///
/// All connection state lives on one event loop (`NIOLoopBoundBox`), so it needs no lock; callers on
/// other threads only take the admission lock and hop onto the loop.
final class OutboundPeer: Sendable {
    let nodeID: String
    let eventLoop: any EventLoop
    private let context: TransportContext
    /// Frames (and their payload bytes) accepted and not yet written to the socket or discarded;
    /// bounds the memory one slow or absent peer can hold.
    private let admitted = NIOLockedValueBox(Backlog())
    private let state: NIOLoopBoundBox<ConnectionState>

    init(nodeID: String, eventLoop: any EventLoop, context: TransportContext) {
        self.nodeID = nodeID
        self.eventLoop = eventLoop
        self.context = context
        // Made off the loop (the transport creates peers under its lock), handed over to it.
        self.state = NIOLoopBoundBox.makeBoxSendingValue(ConnectionState(), eventLoop: eventLoop)
    }

    // MARK: Called from any thread (the transport holds its lock, so the loop is still running)

    /// Queues a one-way frame; false when the queue is full and the frame was dropped.
    func send(_ frame: PeerFrame, address: String) -> Bool {
        guard admit(frame) else { return false }
        eventLoop.execute { self.enqueue(frame, address: address) }
        return true
    }

    /// Starts a call; the promise fails fast while the peer is in its reconnect backoff. Its
    /// holder may fail it early (cancellation): completing a promise twice is a no-op in NIO.
    func call(_ frame: PeerFrame, address: String, timeout: TimeAmount) -> EventLoopPromise<PeerFrame> {
        let promise = eventLoop.makePromise(of: PeerFrame.self)
        guard admit(frame) else {
            promise.fail(PeerTransportError.queueFull(nodeID))
            return promise
        }
        eventLoop.execute { self.startCall(frame, address: address, timeout: timeout, promise: promise) }
        return promise
    }

    /// Fails everything waiting and closes the connection for good.
    func close() -> EventLoopFuture<Void> {
        eventLoop.submit { self.closeOnLoop() }.flatMap { $0 }
    }

    // MARK: Admission

    private func admit(_ frame: PeerFrame) -> Bool {
        let configuration = context.configuration
        let size = frame.payload.readableBytes
        let accepted = admitted.withLockedValue { backlog in
            // One frame is always let into an empty backlog, however large, so the byte limit
            // never blocks a frame the payload limit allows.
            guard backlog.frames < configuration.outboundQueueLimit,
                  backlog.frames == 0 || backlog.bytes + size <= configuration.outboundQueueByteLimit else { return false }
            backlog.frames += 1
            backlog.bytes += size
            return true
        }
        if !accepted { context.counters.update { $0.framesDropped += 1 } }
        return accepted
    }

    private func release(_ frame: PeerFrame) {
        release(frames: 1, bytes: frame.payload.readableBytes)
    }

    private func release(frames: Int, bytes: Int) {
        guard frames > 0 else { return }
        admitted.withLockedValue { backlog in
            backlog.frames -= frames
            backlog.bytes -= bytes
        }
    }

    // MARK: On the loop

    private func startCall(_ frame: PeerFrame, address: String, timeout: TimeAmount, promise: EventLoopPromise<PeerFrame>) {
        followMove(to: address)
        let state = self.state.value
        switch state.phase {
        case .backoff:
            release(frame)
            promise.fail(PeerTransportError.peerUnavailable(nodeID))
            return
        case .closed:
            release(frame)
            promise.fail(PeerTransportError.shutDown)
            return
        case .idle, .connecting, .connected:
            break
        }
        var frame = frame
        frame.kind = .request
        frame.correlationID = state.nextCorrelationID
        state.nextCorrelationID &+= 1
        let id = frame.correlationID
        let timer = eventLoop.scheduleTask(in: timeout) { () -> Void in
            self.state.value.pendingCalls.removeValue(forKey: id)?.promise.fail(PeerTransportError.timedOut(self.nodeID))
        }
        state.pendingCalls[id] = PendingCall(promise: promise, timer: timer)
        enqueue(frame, address: address)
    }

    /// When the membership gives the peer a new address, leaves the connection to the old one
    /// (the calls waiting on it fail) so that the next frame dials the new one at once.
    private func followMove(to address: String) {
        let state = self.state.value
        state.latestAddress = address
        guard case .connected(_, let channel, let connectedAddress, _) = state.phase, connectedAddress != address else { return }
        context.logger.info("peer moved, reconnecting", metadata: ["peer": "\(nodeID)", "address": "\(address)"])
        state.phase = .idle  // the old connection's close event no longer matches the current generation
        failEverything(with: .connectionLost(nodeID))
        channel.close(promise: nil)
    }

    private func enqueue(_ frame: PeerFrame, address: String) {
        followMove(to: address)
        let state = self.state.value
        switch state.phase {
        case .connected(_, let channel, _, _):
            write(frame, to: channel)
            channel.flush()
        case .connecting, .backoff:
            state.queue.append(frame)
        case .idle:
            state.queue.append(frame)
            connect(to: address)
        case .closed:
            release(frame)
        }
    }

    private func write(_ frame: PeerFrame, to channel: any Channel) {
        channel.write(frame).whenComplete { _ in self.release(frame) }
    }

    private func connect(to addressText: String) {
        let state = self.state.value
        guard let address = PeerAddress(addressText) else {
            context.logger.warning("peer address is not host:port", metadata: ["peer": "\(nodeID)", "address": "\(addressText)"])
            failEverything(with: PeerTransportError.invalidAddress(addressText))
            return
        }
        state.generation += 1
        let generation = state.generation
        state.phase = .connecting(generation: generation, address: addressText)
        let configuration = context.configuration
        // The bootstrap's connect timeout covers TCP only; this one also covers a TLS handshake
        // that never finishes (a silent or wedged listener).
        state.attemptTimer = eventLoop.scheduleTask(in: configuration.connectTimeout) { () -> Void in
            self.attemptTimedOut(generation: generation)
        }
        let clientContext = context.tls.clientContext
        let nodeID = self.nodeID
        ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The node id as server name: hostname verification then requires it in the peer's SAN.
                    let tls = try NIOSSLClientHandler(context: clientContext, serverHostname: nodeID)
                    try channel.pipeline.syncOperations.addHandlers([
                        tls,
                        ByteToMessageHandler(PeerFrameDecoder(maxPayloadLength: configuration.maxPayloadLength)),
                        MessageToByteHandler(PeerFrameEncoder(maxPayloadLength: configuration.maxPayloadLength)),
                        OutboundConnectionHandler(peer: self, generation: generation),
                    ])
                }
            }
            .connect(host: address.host, port: address.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    // Handshake not done yet; if this attempt was superseded, drop the channel.
                    if self.state.value.phase.generation == generation {
                        self.state.value.attemptChannel = channel
                    } else {
                        channel.close(promise: nil)
                    }
                case .failure(let error):
                    self.connectionEnded(generation: generation, error: error)
                }
            }
    }

    /// The TLS handshake completed: the server proved it is `nodeID`.
    func connectionReady(generation: Int, channel: any Channel) {
        let state = self.state.value
        guard case .connecting(generation, let address) = state.phase else {
            channel.close(promise: nil)
            return
        }
        state.phase = .connected(generation: generation, channel: channel, address: address, since: .now())
        state.endAttempt()
        let queued = state.queue
        state.queue.removeAll()
        for frame in queued { write(frame, to: channel) }
        channel.flush()
    }

    private func attemptTimedOut(generation: Int) {
        let state = self.state.value
        guard case .connecting(generation, _) = state.phase else { return }
        let channel = state.attemptChannel
        connectionEnded(generation: generation, error: PeerTransportError.peerUnavailable(nodeID))
        channel?.close(promise: nil)
    }

    /// A response arrived on the outbound connection: the answer to a call (ids are unique per
    /// peer across reconnections), or a late one, ignored.
    func received(_ frame: PeerFrame) {
        guard let call = state.value.pendingCalls.removeValue(forKey: frame.correlationID) else { return }
        call.timer.cancel()
        call.promise.succeed(frame)
    }

    /// The server we dialled proved a certificate of the cluster, but for another node.
    func serverNotNamed(names: [String]) {
        context.counters.update { $0.serversRefused += 1 }
        context.logger.warning("refusing a server whose certificate does not name the peer dialled",
                               metadata: ["peer": "\(nodeID)", "names": "\(names)"])
    }

    /// The peer sent something that is not a frame; the handler closes the connection.
    func malformedFrame(_ error: PeerFrameDecodingError) {
        context.counters.update { $0.malformedFrames += 1 }
        context.logger.warning("closing the connection to a peer that sent a malformed frame",
                               metadata: ["peer": "\(nodeID)", "error": "\(error)"])
    }

    /// The connection attempt failed, or the connection closed.
    func connectionEnded(generation: Int, error: (any Error)?) {
        let state = self.state.value
        guard state.phase.generation == generation else { return }
        var stayedUp = false
        var wasConnected = false
        if case .connected(_, _, _, let since) = state.phase {
            wasConnected = true
            stayedUp = NIODeadline.now() - since >= context.configuration.reconnectBackoffMax
        }
        if let error {
            context.logger.debug("peer connection ended", metadata: ["peer": "\(nodeID)", "error": "\(error)"])
        }
        state.endAttempt()
        failEverything(with: wasConnected ? .connectionLost(nodeID) : .peerUnavailable(nodeID))
        // A connection that stayed up a while was healthy; one that the peer closes at once (it
        // refuses us) must not turn into a reconnect loop, so it counts as a failure.
        state.consecutiveFailures = stayedUp ? 1 : state.consecutiveFailures + 1
        let delay = backoff(afterFailures: state.consecutiveFailures)
        state.phase = .backoff
        state.reconnectTimer = eventLoop.scheduleTask(in: delay) { self.backoffEnded() }
    }

    private func backoffEnded() {
        let state = self.state.value
        guard case .backoff = state.phase else { return }
        state.phase = .idle
        if !state.queue.isEmpty, let address = state.latestAddress { connect(to: address) }
    }

    private func backoff(afterFailures failures: Int) -> TimeAmount {
        let configuration = context.configuration
        let initial = configuration.reconnectBackoffInitial.nanoseconds
        let cap = configuration.reconnectBackoffMax.nanoseconds
        let shift = min(max(failures - 1, 0), 30)
        let (scaled, overflow) = initial.multipliedReportingOverflow(by: Int64(1) << shift)
        return .nanoseconds(overflow ? cap : min(scaled, cap))
    }

    /// Fails pending calls and discards queued frames; Raft retransmits, and stale frames
    /// delivered after a reconnect would only be noise.
    private func failEverything(with error: PeerTransportError) {
        let state = self.state.value
        let calls = state.pendingCalls
        state.pendingCalls.removeAll()
        for call in calls.values {
            call.timer.cancel()
            call.promise.fail(error)
        }
        let lost = state.queue.count
        let lostBytes = state.queue.reduce(0) { $0 + $1.payload.readableBytes }
        state.queue.removeAll()
        if lost > 0 {
            release(frames: lost, bytes: lostBytes)
            context.counters.update { $0.framesLost += lost }
        }
    }

    private func closeOnLoop() -> EventLoopFuture<Void> {
        let state = self.state.value
        let phase = state.phase
        state.phase = .closed
        state.reconnectTimer?.cancel()
        let attempt = state.attemptChannel
        state.endAttempt()
        attempt?.close(promise: nil)
        failEverything(with: .shutDown)
        if case .connected(_, let channel, _, _) = phase {
            return channel.close().recover { _ in }
        }
        return eventLoop.makeSucceededVoidFuture()
    }
}

/// Connection state of one `OutboundPeer`, touched only on its event loop.
final class ConnectionState {
    enum Phase {
        case idle
        /// TCP connect and TLS handshake in progress.
        case connecting(generation: Int, address: String)
        case connected(generation: Int, channel: any Channel, address: String, since: NIODeadline)
        /// Waiting before the next attempt; calls fail fast meanwhile.
        case backoff
        case closed

        var generation: Int? {
            switch self {
            case .connecting(let generation, _), .connected(let generation, _, _, _): generation
            case .idle, .backoff, .closed: nil
            }
        }
    }

    var phase = Phase.idle
    /// Tells events of a superseded connection attempt from the current one.
    var generation = 0
    var latestAddress: String?
    var queue = CircularBuffer<PeerFrame>()
    var pendingCalls: [UInt64: PendingCall] = [:]
    var nextCorrelationID: UInt64 = 1
    var consecutiveFailures = 0
    var reconnectTimer: Scheduled<Void>?
    /// The channel and deadline of the connection attempt in progress.
    var attemptChannel: (any Channel)?
    var attemptTimer: Scheduled<Void>?

    func endAttempt() {
        attemptTimer?.cancel()
        attemptTimer = nil
        attemptChannel = nil
    }
}

struct Backlog {
    var frames = 0
    var bytes = 0
}

struct PendingCall {
    let promise: EventLoopPromise<PeerFrame>
    let timer: Scheduled<Void>
}
