extension Raft {
    /// Requests a linearizable read point. The answer arrives as a `ReadState` with the same
    /// context in a later `Ready` (on a follower, after a round trip to the leader).
    public mutating func readIndex(context: [UInt8]) throws(RaftError) {
        switch role {
        case .leader:
            handleReadIndex(context: context, from: id)
        case .follower where leader != noNode:
            var m = Message(kind: .readIndex, to: leader)
            m.context = context
            send(m)
        default:
            throw .proposalDropped(reason: "no known leader")
        }
    }

    /// Hands leadership to `target` once its log is up to date. Proposals are refused
    /// meanwhile; the transfer is abandoned after an election timeout.
    public mutating func transferLeadership(to target: NodeID) throws(RaftError) {
        guard role == .leader else { throw .proposalDropped(reason: "not the leader") }
        guard tracker.conf.isVoter(target) else { throw .invalidConfChange(reason: "\(target) is not a voter") }
        startTransfer(to: target)
    }
}

extension Raft {
    /// True while the latest membership change in the log is not yet committed.
    public var hasPendingConfChange: Bool { lastConfIndex > log.committed }
}
