import CofferStore

/// Where a node sends a command to have it ordered, made durable and applied. A single node
/// applies directly; a cluster node goes through Raft. Either way `submit` returns only
/// after the command is durable and applied on this node.
public protocol CommandLog: Sendable {
    func submit(_ command: Command) async throws -> AppliedCommand
}

public enum CommandLogError: Error, Sendable, CustomStringConvertible {
    case stopped
    case notLeader(leaderHint: String?)
    case timedOut

    public var description: String {
        switch self {
        case .stopped: "the node is shutting down"
        case .notLeader(let hint): "this node cannot accept writes now" + (hint.map { "; the leader is \($0)" } ?? "")
        case .timedOut: "the write was not committed in time; it may or may not have happened"
        }
    }
}
