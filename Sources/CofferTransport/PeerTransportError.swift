/// Why a `call` (or the transport itself) failed.
public enum PeerTransportError: Error, Equatable, CustomStringConvertible {
    /// The node id is not in the current membership (or is this node).
    case unknownPeer(String)
    /// A member's address is not `host:port`.
    case invalidAddress(String)
    /// The peer could not be reached, or is in its reconnect backoff after a recent failure.
    case peerUnavailable(String)
    /// The connection closed before the response arrived.
    case connectionLost(String)
    /// No response within the call's timeout.
    case timedOut(String)
    /// Too many frames are already waiting for this peer.
    case queueFull(String)
    case frameTooLarge(length: Int, max: Int)
    case notStarted
    case alreadyStarted
    case shutDown

    public var description: String {
        switch self {
        case .unknownPeer(let id): "'\(id)' is not a current peer"
        case .invalidAddress(let address): "peer address '\(address)' is not host:port"
        case .peerUnavailable(let id): "peer '\(id)' is unavailable"
        case .connectionLost(let id): "the connection to '\(id)' closed before the response arrived"
        case .timedOut(let id): "no response from '\(id)' in time"
        case .queueFull(let id): "the outbound queue to '\(id)' is full"
        case .frameTooLarge(let length, let max): "a frame payload of \(length) bytes exceeds the limit of \(max)"
        case .notStarted: "the peer transport is not started"
        case .alreadyStarted: "the peer transport is already started"
        case .shutDown: "the peer transport is shut down"
        }
    }
}
