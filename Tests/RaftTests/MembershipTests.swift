import Testing
@testable import Raft

@Suite struct ConfChangeTests {
    @Test func encodingRoundTrips() {
        for change in [ConfChange.addVoter(7), .addLearner(1 << 40), .removeNode(3)] {
            #expect(ConfChange(encoded: change.encoded()) == change)
        }
        #expect(ConfChange(encoded: [9, 1, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(ConfChange(encoded: [1]) == nil)
        #expect(ConfChange(encoded: ConfChange.addVoter(0).encoded()) == nil)
    }

    @Test func validation() throws {
        let conf = ConfState(voters: [1, 2, 3], learners: [4])
        #expect(try conf.applying(.addVoter(4)) == ConfState(voters: [1, 2, 3, 4]))
        #expect(try conf.applying(.addLearner(5)).learners == [4, 5])
        #expect(try conf.applying(.removeNode(2)).voters == [1, 3])
        #expect(throws: RaftError.self) { try conf.applying(.addVoter(1)) }
        #expect(throws: RaftError.self) { try conf.applying(.addLearner(4)) }
        #expect(throws: RaftError.self) { try conf.applying(.removeNode(9)) }
        #expect(throws: RaftError.self) { try ConfState(voters: [1]).applying(.removeNode(1)) }
    }
}

@Suite struct MembershipTests {
    @Test func learnerReplicatesButNeverVotesOrCampaigns() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.addEmptyNode(4)
        c.elect(1)
        try c[1].proposeConfChange(.addLearner(4))
        c.flush(1)
        c.stabilize()
        try c.propose(1, [42])
        c.stabilize()
        #expect(c.appliedData(4) == [[42]])
        #expect(c[4].confState.learners == [4])
        c.tick(4, times: 50)
        #expect(c[4].role == .follower, "a learner never campaigns")
        // Its acknowledgement does not count towards a commit.
        c.isolated = [2, 3]
        try c.propose(1, [43])
        c.stabilize()
        #expect(c[1].commitIndex < c[1].lastIndex)
    }

    @Test func promotedLearnerCountsTowardsQuorum() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.addEmptyNode(4)
        c.elect(1)
        try c[1].proposeConfChange(.addLearner(4)); c.flush(1); c.stabilize()
        try c[1].proposeConfChange(.addVoter(4)); c.flush(1); c.stabilize()
        #expect(c[1].confState.voters == [1, 2, 3, 4])
        #expect(c[4].confState.voters == [1, 2, 3, 4], "the new node learns the founders from the log")
        c.isolated = [3]
        try c.propose(1, [1])
        c.stabilize()
        #expect(c[1].commitIndex == c[1].lastIndex, "1, 2 and 4 are a majority of four")
    }

    @Test func oneChangeAtATime() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [2, 3]
        try c[1].proposeConfChange(.addLearner(4))
        #expect(throws: RaftError.self) { try c[1].proposeConfChange(.addLearner(5)) }
        c.isolated = []
        c.flush(1)
        c.tick(1)
        c.stabilize()
        try c[1].proposeConfChange(.addLearner(5))
    }

    @Test func newLeaderMustCommitInItsTermBeforeAChange() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.campaign(1)
        // Votes arrive, but the no-op is not yet acknowledged.
        c.deliver { $0.kind == .preVote }
        c.deliver { $0.kind == .preVoteResponse }
        c.deliver { $0.kind == .vote }
        c.deliver { $0.kind == .voteResponse }
        #expect(c[1].role == .leader)
        #expect(throws: RaftError.self) { try c[1].proposeConfChange(.addLearner(4)) }
        c.stabilize()
        try c[1].proposeConfChange(.addLearner(4))
    }

    @Test func removedVoterNoLongerCounts() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        #expect(throws: RaftError.self) { try c[1].proposeConfChange(.removeNode(1)) }
        try c[1].proposeConfChange(.removeNode(3)); c.flush(1); c.stabilize()
        #expect(c[1].confState.voters == [1, 2])
        c.isolated = [3]
        try c.propose(1, [5])
        c.stabilize()
        #expect(c[1].commitIndex == c[1].lastIndex)
    }

    @Test func uncommittedChangeIsUndoneWhenTruncated() throws {
        // Without CheckQuorum's lease, 3 votes for 2 right away.
        let c = TestCluster(voters: [1, 2, 3]) { $0.checkQuorum = false }
        c.elect(1)
        c.isolated = [1]
        try c[1].proposeConfChange(.addLearner(4)) // only on 1
        c.flush(1)
        #expect(c[1].confState.learners == [4])
        c.isolated = [1]
        c.elect(2)
        c.isolated = []
        try c.propose(2, [9])
        c.tick(2) // heartbeat reaches the deposed leader
        c.stabilize()
        #expect(c[1].role == .follower)
        #expect(c[1].confState.learners == [], "the truncated change no longer applies")
    }
}
