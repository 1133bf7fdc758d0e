public enum MessageKind: String, Sendable, Hashable {
    // Local inputs (term 0): never sent over the wire.
    case hup            // start an election
    case beat           // leader: broadcast heartbeats
    case propose        // append entries (a follower's own proposal is dropped, not forwarded)

    // Elections.
    case preVote, preVoteResponse
    case vote, voteResponse

    // Replication.
    case append, appendResponse
    case heartbeat, heartbeatResponse
    case snapshotChunk

    // ReadIndex, forwarded from followers to the leader and answered back.
    case readIndex, readIndexResponse

    // Leadership transfer: the target campaigns at once.
    case timeoutNow
    case transferLeader
}

/// Every message between cores. Fields unused by a kind keep their defaults.
public struct Message: Sendable, Hashable {
    public var kind: MessageKind
    public var from: NodeID
    public var to: NodeID
    public var term: Term

    /// `append`: index/term of the entry preceding `entries`.
    /// `vote`/`preVote`: the candidate's last log index/term.
    /// `appendResponse`: the index acknowledged or rejected.
    public var logTerm: Term = 0
    public var index: LogIndex = 0
    public var entries: [Entry] = []
    public var commit: LogIndex = 0
    public var reject: Bool = false
    /// On a rejected append: the follower's last index, so the leader can skip back.
    public var rejectHint: LogIndex = 0
    /// `appendResponse`/`heartbeatResponse`: how far the responder's application has
    /// applied the log, so the leader can tell when a change is in effect everywhere.
    public var applied: LogIndex = 0

    /// ReadIndex context, echoed on heartbeats and their responses.
    public var context: [UInt8] = []
    /// A vote request caused by leadership transfer ignores leader leases.
    public var forceVote: Bool = false

    /// `snapshotChunk`: the snapshot metadata, byte offset of this chunk and whether it is last.
    public var snapshot: SnapshotMetadata? = nil
    public var chunkOffset: Int = 0
    public var chunkIsLast: Bool = false
    public var chunkData: [UInt8] = []

    public init(kind: MessageKind, from: NodeID = noNode, to: NodeID = noNode, term: Term = 0) {
        self.kind = kind
        self.from = from
        self.to = to
        self.term = term
    }

    var isResponse: Bool {
        switch kind {
        case .preVoteResponse, .voteResponse, .appendResponse, .heartbeatResponse, .readIndexResponse: return true
        default: return false
        }
    }

    var isLocal: Bool { kind == .hup || kind == .beat || kind == .propose }
}
