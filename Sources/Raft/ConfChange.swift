/// A single-server membership change. One change at a time keeps every pair of
/// consecutive configurations' majorities overlapping (Raft thesis §4.1).
public enum ConfChange: Sendable, Hashable {
    case addVoter(NodeID)
    case addLearner(NodeID)
    case removeNode(NodeID)

    public var nodeID: NodeID {
        switch self {
        case .addVoter(let id), .addLearner(let id), .removeNode(let id): return id
        }
    }

    /// Compact encoding carried in a `.confChange` entry: kind byte + 8-byte id.
    public func encoded() -> [UInt8] {
        let kind: UInt8
        switch self {
        case .addVoter: kind = 1
        case .addLearner: kind = 2
        case .removeNode: kind = 3
        }
        var bytes = [kind]
        var id = nodeID
        for _ in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: id)); id >>= 8 }
        return bytes
    }

    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == 9 else { return nil }
        var id: UInt64 = 0
        for i in (1...8).reversed() { id = (id << 8) | UInt64(bytes[i]) }
        guard id != noNode else { return nil }
        switch bytes[0] {
        case 1: self = .addVoter(id)
        case 2: self = .addLearner(id)
        case 3: self = .removeNode(id)
        default: return nil
        }
    }
}

extension ConfState {
    /// Validates a change against this configuration, returning the resulting one.
    /// Promotion is `.addVoter` of an existing learner; demotion is not supported.
    public func applying(_ change: ConfChange) throws(RaftError) -> ConfState {
        let id = change.nodeID
        guard id != noNode else { throw .invalidConfChange(reason: "node id 0 is reserved") }
        switch change {
        case .addVoter:
            guard !isVoter(id) else { throw .invalidConfChange(reason: "\(id) is already a voter") }
            return ConfState(voters: voters + [id], learners: learners.filter { $0 != id })
        case .addLearner:
            guard !isMember(id) else { throw .invalidConfChange(reason: "\(id) is already a member") }
            return ConfState(voters: voters, learners: learners + [id])
        case .removeNode:
            guard isMember(id) else { throw .invalidConfChange(reason: "\(id) is not a member") }
            let remaining = voters.filter { $0 != id }
            guard !remaining.isEmpty else { throw .invalidConfChange(reason: "cannot remove the last voter") }
            return ConfState(voters: remaining, learners: learners.filter { $0 != id })
        }
    }

    /// Applies a change taken from the log. Changes in the log were validated by the
    /// leader that proposed them, so an invalid one is ignored rather than trusted.
    public func applyingFromLog(_ entry: Entry) -> ConfState {
        guard entry.kind == .confChange, let change = ConfChange(encoded: entry.data),
              let next = try? applying(change) else { return self }
        return next
    }
}
