import NIOConcurrencyHelpers

/// What the transport refused or lost since it was made; for metrics and tests.
public struct PeerTransportCounters: Sendable, Equatable {
    /// Frames not accepted because a queue was full (outbound per peer, or inbound per connection).
    public var framesDropped = 0
    /// Accepted outbound frames discarded because their connection failed or closed.
    public var framesLost = 0
    /// Inbound connections whose TLS handshake failed (no certificate, foreign CA, TLS < 1.3...).
    public var handshakesFailed = 0
    /// Inbound connections with a valid certificate that names no current member.
    public var peersRefused = 0
    /// Outbound connections whose server certificate does not name the node dialled.
    public var serversRefused = 0
    /// Connections (either direction) closed for a malformed or oversized frame.
    public var malformedFrames = 0

    public init() {}
}

/// The counters shared by every connection of one transport.
final class CounterBox: Sendable {
    private let box = NIOLockedValueBox(PeerTransportCounters())

    var value: PeerTransportCounters { box.withLockedValue { $0 } }

    func update(_ change: (inout PeerTransportCounters) -> Void) {
        box.withLockedValue { change(&$0) }
    }
}
