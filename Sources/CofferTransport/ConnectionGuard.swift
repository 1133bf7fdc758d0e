import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOTLS

/// The bounds of one listening port: how many connections it keeps open, in all and from one
/// client address, and how long a client has for its TLS handshake and may stay idle.
public struct ConnectionLimits: Sendable, Equatable {
    public var maxConnections: Int
    public var maxConnectionsPerAddress: Int
    public var handshakeTimeout: TimeAmount
    public var idleTimeout: TimeAmount

    public init(maxConnections: Int = 1_024, maxConnectionsPerAddress: Int = 128,
                handshakeTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(60)) {
        precondition(maxConnections > 0 && maxConnectionsPerAddress > 0, "connection limits must be positive")
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
    }
}

/// Counts the open connections of one port and admits a new one only within its limits, so
/// hundreds of half-open or idle clients cannot take every descriptor and stall the node.
/// Refusals are logged at most ten a second per port, with how many were not logged.
public final class ConnectionGuard: Sendable {
    public let limits: ConnectionLimits
    private let port: String
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var open = 0
        var openByAddress: [String: Int] = [:]
        var refused = 0
        var refusedSinceLog = 0
        var windowStart: NIODeadline?
        var loggedInWindow = 0
    }

    /// `port` names the port in log lines ("api", "peer").
    public init(limits: ConnectionLimits, port: String, logger: Logger) {
        self.limits = limits
        self.port = port
        self.logger = logger
    }

    public var openConnections: Int { state.withLockedValue { $0.open } }
    public var refusedConnections: Int { state.withLockedValue { $0.refused } }

    /// Takes a place for a connection from `address`; false when a limit is reached.
    func admit(_ address: String) -> Bool {
        let refusal: String? = state.withLockedValue { state in
            if state.open >= limits.maxConnections { return "the port has \(state.open) connections open" }
            let fromAddress = state.openByAddress[address, default: 0]
            if fromAddress >= limits.maxConnectionsPerAddress { return "the address has \(fromAddress) connections open" }
            state.open += 1
            state.openByAddress[address] = fromAddress + 1
            return nil
        }
        guard let refusal else { return true }
        noteRefused(address: address, reason: refusal)
        return false
    }

    func release(_ address: String) {
        state.withLockedValue { state in
            state.open -= 1
            let left = state.openByAddress[address, default: 1] - 1
            state.openByAddress[address] = left > 0 ? left : nil
        }
    }

    static let logLinesPerSecond = 10

    /// Logs a refused or timed-out client, at most `logLinesPerSecond` a second per port: a
    /// flood of bad clients must not flood the log (or the disk under it).
    func noteRefused(address: String, reason: String) {
        let now = NIODeadline.now()
        let suppressed: Int? = state.withLockedValue { state in
            state.refused += 1
            if let start = state.windowStart, now - start < .seconds(1) {
                guard state.loggedInWindow < Self.logLinesPerSecond else {
                    state.refusedSinceLog += 1
                    return nil
                }
            } else {
                state.windowStart = now
                state.loggedInWindow = 0
            }
            state.loggedInWindow += 1
            defer { state.refusedSinceLog = 0 }
            return state.refusedSinceLog
        }
        guard let suppressed else { return }
        logger.warning("refusing a connection", metadata: [
            "port": "\(port)", "remote": "\(address)", "reason": "\(reason)", "not_logged_since_last": "\(suppressed)",
        ])
    }

    /// The handlers that keep this port's limits, for the front of a new connection's pipeline
    /// (before TLS) and right after its TLS handler.
    public func admissionHandler() -> some ChannelHandler { ConnectionAdmissionHandler(guard: self) }
    public func handshakeTimeoutHandler() -> some ChannelHandler { HandshakeTimeoutHandler(guard: self) }
}

/// First in a connection's pipeline: admits it within the port's limits or closes it before a
/// byte of TLS is exchanged, and gives its place back when it closes.
final class ConnectionAdmissionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let connectionGuard: ConnectionGuard
    private var admitted: String?
    private var decided = false

    init(guard connectionGuard: ConnectionGuard) {
        self.connectionGuard = connectionGuard
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { decide(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        decide(context)
        if admitted != nil { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let admitted { connectionGuard.release(admitted) }
        admitted = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted != nil else { return }
        context.fireChannelRead(data)
    }

    private func decide(_ context: ChannelHandlerContext) {
        guard !decided else { return }
        decided = true
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        if connectionGuard.admit(address) {
            admitted = address
        } else {
            context.close(promise: nil)
        }
    }
}

/// Right after the TLS handler: closes a connection whose handshake has not completed within
/// the port's handshake timeout (a client that connects and sends nothing, or too slowly).
final class HandshakeTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let connectionGuard: ConnectionGuard
    private var timeout: Scheduled<Void>?
    private var completed = false

    init(guard connectionGuard: ConnectionGuard) {
        self.connectionGuard = connectionGuard
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        let connectionGuard = self.connectionGuard
        timeout = context.eventLoop.scheduleTask(in: connectionGuard.limits.handshakeTimeout) {
            connectionGuard.noteRefused(address: address, reason: "no TLS handshake within the timeout")
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, !completed {
            completed = true
            timeout?.cancel()
        }
        context.fireUserInboundEventTriggered(event)
    }
}
