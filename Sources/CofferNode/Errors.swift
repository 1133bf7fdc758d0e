/// Why a write could not be made durable, as the client should hear it.
public enum CommandLogError: Error, Sendable, CustomStringConvertible {
    case stopped
    case notLeader(leaderHint: String?)
    case noLeader
    case timedOut

    public var description: String {
        switch self {
        case .stopped: "the node is shutting down"
        case .notLeader(let hint): "leadership changed while the write was in flight; it may or may not have happened"
            + (hint.map { " (the leader is \($0))" } ?? "")
        case .noLeader: "the cluster has no leader this node can reach (no quorum?); the write was not made"
        case .timedOut: "the write was not confirmed in time; it may or may not have happened"
        }
    }
}
