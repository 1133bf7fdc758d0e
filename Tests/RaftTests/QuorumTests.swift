import Testing
@testable import Raft

@Suite struct QuorumTests {
    @Test func majoritySizes() {
        #expect(Quorum.size(voters: 1) == 1)
        #expect(Quorum.size(voters: 2) == 2)
        #expect(Quorum.size(voters: 3) == 2)
        #expect(Quorum.size(voters: 4) == 3)
        #expect(Quorum.size(voters: 5) == 3)
    }

    @Test func committedIndexIsTheMajorityMatch() {
        let match: [NodeID: LogIndex] = [1: 5, 2: 3, 3: 9, 4: 1, 5: 7]
        #expect(Quorum.committedIndex(voters: [1]) { match[$0]! } == 5)
        #expect(Quorum.committedIndex(voters: [1, 2, 3]) { match[$0]! } == 5)
        #expect(Quorum.committedIndex(voters: [1, 2, 3, 4]) { match[$0]! } == 3)
        #expect(Quorum.committedIndex(voters: [1, 2, 3, 4, 5]) { match[$0]! } == 5)
        #expect(Quorum.committedIndex(voters: []) { _ in 0 } == 0)
    }

    @Test func voteResults() {
        #expect(Quorum.voteResult(voters: [1, 2, 3], votes: [1: true]) == .pending)
        #expect(Quorum.voteResult(voters: [1, 2, 3], votes: [1: true, 2: true]) == .won)
        #expect(Quorum.voteResult(voters: [1, 2, 3], votes: [1: true, 2: false]) == .pending)
        #expect(Quorum.voteResult(voters: [1, 2, 3], votes: [1: true, 2: false, 3: false]) == .lost)
        #expect(Quorum.voteResult(voters: [1, 2, 3, 4], votes: [1: true, 2: true]) == .pending)
        #expect(Quorum.voteResult(voters: [1, 2, 3, 4], votes: [1: true, 2: false, 3: false]) == .lost)
        // Votes from non-voters do not count.
        #expect(Quorum.voteResult(voters: [1, 2, 3], votes: [1: true, 9: true]) == .pending)
    }
}
