extension Raft {
    /// Both candidate kinds: count (pre-)votes, or yield to a leader of our term.
    mutating func stepCandidate(_ m: Message) {
        let expected: MessageKind = role == .preCandidate ? .preVoteResponse : .voteResponse
        switch m.kind {
        case .append, .heartbeat, .snapshotChunk:
            // Someone won this term (§5.2): follow it.
            becomeFollower(term: m.term, leader: m.from)
            stepFollower(m)
        case expected:
            tracker.votes[m.from] = tracker.votes[m.from] ?? !m.reject
            switch tracker.voteResult() {
            case .won:
                if role == .preCandidate {
                    campaign(.election)
                } else {
                    becomeLeader()
                }
            case .lost:
                becomeFollower(term: term, leader: noNode)
            case .pending:
                break
            }
        default:
            break
        }
    }
}
