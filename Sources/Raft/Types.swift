/// Identifies a cluster member. `0` is reserved for "nobody" (no leader, no vote).
public typealias NodeID = UInt64
public typealias Term = UInt64
public typealias LogIndex = UInt64

public let noNode: NodeID = 0

public enum EntryKind: UInt8, Sendable, Hashable {
    case normal
    case confChange
}

/// One log entry. `data` is opaque to Raft except for `.confChange`, whose data is an
/// encoded `ConfChange`. An empty `.normal` entry is the no-op a new leader appends.
public struct Entry: Sendable, Hashable {
    public var index: LogIndex
    public var term: Term
    public var kind: EntryKind
    public var data: [UInt8]

    public init(index: LogIndex, term: Term, kind: EntryKind = .normal, data: [UInt8] = []) {
        self.index = index
        self.term = term
        self.kind = kind
        self.data = data
    }

    /// Rough size used for batching limits.
    var byteSize: Int { data.count + 24 }
}

/// The state a node must persist before it sends any message that depends on it.
public struct HardState: Sendable, Hashable {
    public var term: Term
    public var vote: NodeID
    public var commit: LogIndex

    public init(term: Term = 0, vote: NodeID = noNode, commit: LogIndex = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    public static let empty = HardState()
    public var isEmpty: Bool { self == .empty }
}

/// Cluster membership: voters decide elections and commits, learners only replicate.
/// Both lists are kept sorted so iteration order is deterministic.
public struct ConfState: Sendable, Hashable {
    public private(set) var voters: [NodeID]
    public private(set) var learners: [NodeID]

    public init(voters: [NodeID] = [], learners: [NodeID] = []) {
        self.voters = Array(Set(voters)).sorted()
        self.learners = Array(Set(learners).subtracting(voters)).sorted()
    }

    public var members: [NodeID] { (voters + learners).sorted() }
    public func isVoter(_ id: NodeID) -> Bool { voters.contains(id) }
    public func isLearner(_ id: NodeID) -> Bool { learners.contains(id) }
    public func isMember(_ id: NodeID) -> Bool { isVoter(id) || isLearner(id) }
}

public struct SnapshotMetadata: Sendable, Hashable {
    public var index: LogIndex
    public var term: Term
    public var confState: ConfState

    public init(index: LogIndex = 0, term: Term = 0, confState: ConfState = ConfState()) {
        self.index = index
        self.term = term
        self.confState = confState
    }
}

/// A state-machine image covering every entry up to `metadata.index`.
public struct Snapshot: Sendable, Hashable {
    public var metadata: SnapshotMetadata
    public var data: [UInt8]

    public init(metadata: SnapshotMetadata = SnapshotMetadata(), data: [UInt8] = []) {
        self.metadata = metadata
        self.data = data
    }

    public var isEmpty: Bool { metadata.index == 0 }
}

/// What the application learns when a ReadIndex request is confirmed: once it has applied
/// up to `index`, a read performed locally is linearizable.
public struct ReadState: Sendable, Hashable {
    public var index: LogIndex
    public var context: [UInt8]

    public init(index: LogIndex, context: [UInt8]) {
        self.index = index
        self.context = context
    }
}

public enum RaftRole: String, Sendable, Hashable {
    case follower, preCandidate, candidate, leader
}

/// Volatile state the application may want to observe (not persisted).
public struct SoftState: Sendable, Hashable {
    public var leader: NodeID
    public var role: RaftRole
}

public enum RaftError: Error, Sendable, Hashable {
    case proposalDropped(reason: String)
    case invalidConfChange(reason: String)
    case compacted
    case unavailable
    case snapshotOutOfDate
}

/// A member as the leader hears it: the applied index it last reported, and how many
/// leader ticks passed since it last answered.
public struct MemberActivity: Sendable, Hashable {
    public let applied: LogIndex
    public let ticksSinceHeard: Int
}
