/// Why a write could not be made durable, as the client should hear it.
public enum CommandLogError: Error, Sendable, CustomStringConvertible {
    case stopped
    /// The proposal never entered the log, or a new leader overwrote it: it did not happen.
    case dropped
    case noLeader
    /// No answer in time: the write may or may not have happened.
    case timedOut

    public var description: String {
        switch self {
        case .stopped: "the node is shutting down"
        case .dropped: "leadership changed before the write was committed; it was not made, retry"
        case .noLeader: "the cluster has no leader this node can reach (no quorum?); the write was not made"
        case .timedOut: "the write was not confirmed in time; it may or may not have happened"
        }
    }
}

/// How a call to another member failed, as far as a retry is concerned.
public enum PeerCallError: Error, Sendable, CustomStringConvertible {
    /// The request surely never reached the member: safe to send again.
    case notDelivered(String)
    /// It may have reached the member and been acted on.
    case outcomeUnknown(String)

    public var description: String {
        switch self {
        case .notDelivered(let reason), .outcomeUnknown(let reason): reason
        }
    }
}
