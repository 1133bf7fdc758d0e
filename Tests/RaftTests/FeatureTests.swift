import Testing
@testable import Raft

@Suite struct PreVoteAndCheckQuorumTests {
    @Test func partitionedNodeDoesNotInflateTerms() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        let term = c[1].term
        c.isolated = [3]
        c.tick(3, times: 100) // many election timeouts, pre-votes unanswered
        #expect(c[3].term == term, "pre-vote never raises the term without a majority")
        c.isolated = []
        c.tick(1)
        c.stabilize()
        #expect(c[1].role == .leader && c[1].term == term, "the rejoining node does not depose the leader")
    }

    @Test func leaderWithoutQuorumStepsDown() {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [1]
        c.tick(1, times: 25) // two election timeouts without answers
        #expect(c[1].role == .follower)
    }

    @Test func followersIgnoreVotesWhileTheLeaderIsAlive() {
        let c = TestCluster(voters: [1, 2, 3]) { $0.preVote = false }
        c.elect(1)
        let term = c[1].term
        var request = Message(kind: .vote, from: 3, to: 2, term: term + 5)
        request.index = 100
        request.logTerm = term
        c.step(2, request)
        #expect(c[2].term == term && c[2].vote != 3, "within the lease the request is ignored")
    }
}

@Suite struct ReadIndexTests {
    @Test func leaderReadWaitsForAHeartbeatQuorum() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        try c[1].readIndex(context: [1])
        c.flush(1)
        #expect(c.readStates[1, default: []].isEmpty, "not before a majority confirms leadership")
        c.stabilize()
        #expect(c.readStates[1] == [ReadState(index: c[1].commitIndex, context: [1])])
    }

    @Test func isolatedLeaderCannotServeReads() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [1]
        try c[1].readIndex(context: [1])
        c.flush(1)
        c.tick(1, times: 5)
        c.stabilize()
        #expect(c.readStates[1, default: []].isEmpty)
    }

    @Test func followerReadIsForwardedToTheLeader() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        try c.propose(1, [5])
        c.stabilize()
        try c[3].readIndex(context: [9])
        c.flush(3)
        c.stabilize()
        #expect(c.readStates[3] == [ReadState(index: c[1].commitIndex, context: [9])])
    }

    @Test func readsWaitForTheLeadersFirstCommit() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.campaign(1)
        c.deliver { $0.kind == .preVote }
        c.deliver { $0.kind == .preVoteResponse }
        c.deliver { $0.kind == .vote }
        c.deliver { $0.kind == .voteResponse }
        #expect(c[1].role == .leader)
        try c[1].readIndex(context: [3])
        c.flush(1)
        c.deliver { $0.kind == .heartbeat }
        c.deliver { $0.kind == .heartbeatResponse }
        #expect(c.readStates[1, default: []].isEmpty, "commit index not yet known to be current")
        c.stabilize()
        c.tick(1)
        c.stabilize()
        #expect(c.readStates[1]?.first?.context == [3])
        #expect(c.readStates[1]!.first!.index == c[1].commitIndex)
    }

    @Test func followerWithoutLeaderRefuses() {
        var (r, _) = makeNode(1, voters: [1, 2, 3])
        #expect(throws: RaftError.self) { try r.readIndex(context: [1]) }
    }
}

@Suite struct LeadershipTransferTests {
    @Test func transferHandsOverToTheTarget() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        try c.propose(1, [1])
        c.stabilize()
        try c[1].transferLeadership(to: 3)
        c.flush(1)
        c.stabilize()
        #expect(c[3].role == .leader)
        #expect(c[1].role == .follower)
    }

    @Test func transferWaitsForTheTargetToCatchUp() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [3]
        try c.propose(1, [1])
        c.stabilize()
        c.isolated = []
        try c[1].transferLeadership(to: 3)
        #expect(throws: RaftError.self) { try c[1].propose([2]) }
        c.flush(1)
        c.stabilize()
        #expect(c[3].role == .leader)
        #expect(c.appliedData(3) == [[1]])
    }

    @Test func transferIsAbandonedAfterAnElectionTimeout() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [3]
        try c[1].transferLeadership(to: 3)
        c.flush(1)
        c.tick(1, times: 11)
        c.stabilize()
        #expect(c[1].role == .leader)
        try c[1].propose([1])
    }
}

@Suite struct SnapshotTests {
    /// Leader 1 snapshots and compacts; a new learner can only catch up by snapshot.
    @Test func laggingNodeInstallsChunkedSnapshot() throws {
        let c = TestCluster(voters: [1, 2, 3]) { $0.snapshotChunkBytes = 16 }
        c.elect(1)
        for i in 0..<5 { try c.propose(1, [UInt8(i)]) }
        c.stabilize()
        let index = c[1].appliedIndex
        let data = (0..<100).map { UInt8($0) }
        try c.storages[1]!.createSnapshot(index: index, confState: c[1].confState, data: data)
        try c.storages[1]!.compact(upTo: index)
        c.addEmptyNode(4) { $0.snapshotChunkBytes = 16 }
        try c[1].proposeConfChange(.addLearner(4))
        c.flush(1)
        var chunks = 0
        c.stabilize { m in
            if m.kind == .snapshotChunk { chunks += 1 }
            return false
        }
        #expect(chunks == 7, "100 bytes in chunks of 16")
        #expect(c.snapshotData[4] == data)
        #expect(c[4].confState.voters == [1, 2, 3] && c[4].confState.learners == [4])
        try c.propose(1, [42])
        c.stabilize()
        #expect(c.appliedData(4) == [[42]])
        #expect(c[4].commitIndex == c[1].commitIndex)
    }

    @Test func lostChunkIsResent() throws {
        let c = TestCluster(voters: [1, 2, 3]) { $0.snapshotChunkBytes = 8 }
        c.elect(1)
        try c.propose(1, [1])
        c.stabilize()
        c.isolated = [3]
        for i in 0..<3 { try c.propose(1, [UInt8(i)]) }
        c.stabilize()
        let index = c[1].appliedIndex
        try c.storages[1]!.createSnapshot(index: index, confState: c[1].confState, data: Array(repeating: 7, count: 40))
        try c.storages[1]!.compact(upTo: index)
        c.isolated = []
        var dropped = false
        for _ in 0..<12 {
            c.tick(1)
            c.stabilize { m in
                if m.kind == .snapshotChunk && m.chunkOffset == 16 && !dropped { dropped = true; return true }
                return false
            }
        }
        #expect(dropped)
        #expect(c.snapshotData[3] == Array(repeating: 7, count: 40))
        #expect(c[3].commitIndex == c[1].commitIndex)
    }
}

@Suite struct ReadyContractTests {
    @Test func readyCarriesWhatMustBePersistedWithTheMessagesThatDependOnIt() throws {
        var (r, storage) = makeNode(1, voters: [1])
        var first = r.ready()
        r.advance(first)
        try storage.append(first.entries)
        r.campaign()
        first = r.ready()
        #expect(first.softState?.role == .leader)
        #expect(first.hardState?.term == 2 && first.hardState?.vote == 1)
        #expect(first.entries.count == 1, "the new leader's no-op")
        try r.propose([9])
        try storage.append(first.entries)
        r.advance(first)
        let second = r.ready()
        #expect(second.entries.map(\.data) == [[9]], "entries already handed out are not repeated")
        #expect(second.committedEntries.map(\.data) == [[]], "the no-op, persisted with the first Ready, is committed")
        try storage.append(second.entries)
        r.advance(second)
        let third = r.ready()
        #expect(third.entries.isEmpty && third.committedEntries.last?.data == [9],
                "a single voter commits its entry once the Ready that held it is persisted")
        r.advance(third)
        #expect(!r.hasReady)
    }

    /// The leader may send its entries before its own disk holds them (thesis §10.2.1), so
    /// it must not count itself for them until then: with one follower's acknowledgement it
    /// would otherwise commit an entry that only that follower has on disk.
    @Test func aLeaderCountsItselfOnlyForWhatItsDiskHolds() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        var leader = c[1]
        try leader.propose([7])
        let ready = leader.ready()
        let index = try #require(ready.entries.last?.index)
        let append = try #require(ready.messages.first { $0.kind == .append && $0.to == 2 })
        c.step(2, append)
        let ack = try #require(c.queue.first { $0.kind == .appendResponse && $0.from == 2 && $0.index == index })
        leader.step(ack)
        #expect(leader.commitIndex < index, "a follower's ack alone is no quorum while the leader's own write is pending")
        try c.storages[1]!.append(ready.entries)
        if let hard = ready.hardState { c.storages[1]!.setHardState(hard) }
        leader.advance(ready)
        #expect(leader.commitIndex == index, "persisted here too: two of three")
    }

    @Test func restartRecoversFromStorage() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        try c.propose(1, [4])
        c.stabilize()
        let hard = c[2].hardState
        let restarted = Raft(config: makeConfig(2), storage: c.storages[2]!, rng: TestRNG(9))
        #expect(restarted.term == hard.term && restarted.vote == hard.vote && restarted.commitIndex == hard.commit)
        #expect(restarted.lastIndex == c[2].lastIndex)
        #expect(restarted.role == .follower)
    }
}
