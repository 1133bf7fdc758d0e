/// What a node needs of the peer network: fire-and-forget Raft messages, and request/answer
/// calls to another member (write forwarding, status). The mutual-TLS transport provides it;
/// a node alone in its cluster has none.
public protocol PeerLink: Sendable {
    func send(_ kind: PeerFrameKind, _ payload: [UInt8], to member: String)
    func call(_ kind: PeerFrameKind, _ payload: [UInt8], to member: String, timeout: Duration) async throws -> [UInt8]
}

public enum PeerFrameKind: UInt8, Sendable {
    case raft = 1
    /// A write a follower forwards to the leader; answered with a `WriteReply`.
    case forwardWrite = 2
    /// Asks a member for its Raft status.
    case status = 3
    /// Asks a member for its usage lines of one secret; answered with a `UsageAnswer`.
    case usage = 4
    /// Asks a member to check its audit chain, or for its link at an index.
    case auditChain = 5
}
