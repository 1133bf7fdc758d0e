/// Pure majority arithmetic over a set of voters.
public enum VoteResult: Sendable, Hashable {
    case pending, won, lost
}

public enum Quorum {
    public static func size(voters: Int) -> Int { voters / 2 + 1 }

    /// The highest index acknowledged by a majority of `voters`. Voters missing from
    /// `matched` count as having acknowledged nothing.
    public static func committedIndex(voters: [NodeID], matched: (NodeID) -> LogIndex) -> LogIndex {
        guard !voters.isEmpty else { return 0 }
        let sorted = voters.map(matched).sorted(by: >)
        return sorted[size(voters: voters.count) - 1]
    }

    /// Election outcome given the votes received so far (absent voters have not answered).
    public static func voteResult(voters: [NodeID], votes: [NodeID: Bool]) -> VoteResult {
        guard !voters.isEmpty else { return .won }
        var granted = 0, missing = 0
        for id in voters {
            switch votes[id] {
            case true?: granted += 1
            case false?: break
            case nil: missing += 1
            }
        }
        let needed = size(voters: voters.count)
        if granted >= needed { return .won }
        if granted + missing >= needed { return .pending }
        return .lost
    }
}
