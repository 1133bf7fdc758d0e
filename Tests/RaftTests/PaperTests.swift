import Testing
@testable import Raft

// One test per rule of Figure 2 and §5.4 of the Raft paper (Ongaro & Ousterhout, 2014).
// Nodes are bootstrapped with voters [1, 2, 3] at indexes 1...3 of term 1.

private func append(from: NodeID, to: NodeID, term: Term, prev: (LogIndex, Term), entries: [(LogIndex, Term)] = [], commit: LogIndex = 0) -> Message {
    var m = Message(kind: .append, from: from, to: to, term: term)
    m.index = prev.0
    m.logTerm = prev.1
    m.entries = entries.map { Entry(index: $0.0, term: $0.1, data: [UInt8($0.0)]) }
    m.commit = commit
    return m
}

private func voteRequest(from: NodeID, to: NodeID, term: Term, last: (LogIndex, Term)) -> Message {
    var m = Message(kind: .vote, from: from, to: to, term: term)
    m.index = last.0
    m.logTerm = last.1
    return m
}

/// A follower with `terms` appended after the bootstrap entries, at `term`.
private func follower(_ id: NodeID = 1, term: Term = 2, terms: [Term] = []) -> Raft {
    var (r, _) = makeNode(id, voters: [1, 2, 3]) { $0.checkQuorum = false; $0.preVote = false }
    r.becomeFollower(term: term, leader: noNode)
    var last = r.lastIndex
    if !terms.isEmpty {
        let entries = terms.map { t -> (LogIndex, Term) in last += 1; return (last, t) }
        r.step(append(from: 2, to: id, term: term, prev: (3, 1), entries: entries))
    }
    r.leader = noNode
    _ = r.ready()
    return r
}

private func replies(_ r: inout Raft) -> [Message] { r.ready().messages }

@Suite struct Figure2AllServers {
    @Test func higherTermMakesAnyServerAFollowerOfThatTerm() {
        // Follower, candidate and leader alike.
        var f = follower(term: 2)
        f.step(append(from: 2, to: 1, term: 5, prev: (3, 1)))
        #expect(f.term == 5 && f.role == .follower && f.leader == 2)

        var candidate = follower(term: 2)
        candidate.campaign()
        #expect(candidate.role == .candidate)
        candidate.step(Message(kind: .heartbeat, from: 3, to: 1, term: 7))
        #expect(candidate.term == 7 && candidate.role == .follower)

        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        var voteResponse = Message(kind: .voteResponse, from: 2, to: 1, term: 9)
        voteResponse.reject = true
        c.step(1, voteResponse)
        #expect(c[1].term == 9 && c[1].role == .follower && c[1].leader == noNode)
    }

    @Test func committedEntriesAreAppliedInLogOrderOnce() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        for i in 0..<5 { try c.propose(1, [UInt8(i)]) }
        c.stabilize()
        for id in c.ids {
            let indexes = c.applied[id]!.map(\.index)
            #expect(indexes == Array(1...c[1].commitIndex), "node \(id) applies every committed index once, in order")
            #expect(c.appliedData(id) == (0..<5).map { [UInt8($0)] })
        }
    }
}

@Suite struct Figure2AppendEntriesReceiver {
    @Test func rule1RejectsStaleTerm() {
        var f = follower(term: 5)
        f.step(append(from: 2, to: 1, term: 3, prev: (3, 1), entries: [(4, 3)]))
        let out = replies(&f)
        #expect(f.lastIndex == 3, "entries from a stale leader are not taken")
        #expect(out.count == 1 && out[0].kind == .appendResponse && out[0].term == 5, "the stale leader learns the newer term")
    }

    @Test func rule2RejectsWhenPrevEntryDoesNotMatch() {
        var f = follower(term: 2, terms: [2])
        f.step(append(from: 2, to: 1, term: 2, prev: (4, 3), entries: [(5, 3)]))
        var out = replies(&f)
        #expect(out.last?.reject == true && out.last?.rejectHint == 4)
        f.step(append(from: 2, to: 1, term: 2, prev: (6, 2), entries: [(7, 2)]))
        out = replies(&f)
        #expect(out.last?.reject == true, "missing entry at prevLogIndex")
        #expect(f.lastIndex == 4)
    }

    @Test func rule3DeletesConflictingEntryAndAllThatFollow() {
        var f = follower(term: 3, terms: [2, 2, 2])
        f.step(append(from: 2, to: 1, term: 3, prev: (4, 2), entries: [(5, 3)]))
        #expect(f.lastIndex == 5, "index 6 followed the conflict and is gone")
        #expect(f.term(at: 5) == 3)
        #expect(replies(&f).last?.index == 5)
    }

    @Test func rule4AppendsNewEntriesOnly() {
        var f = follower(term: 2, terms: [2, 2])
        // A duplicate of what we hold plus one new entry.
        f.step(append(from: 2, to: 1, term: 2, prev: (3, 1), entries: [(4, 2), (5, 2), (6, 2)]))
        #expect(f.lastIndex == 6)
        // A stale, shorter copy does not truncate.
        f.step(append(from: 2, to: 1, term: 2, prev: (3, 1), entries: [(4, 2)]))
        #expect(f.lastIndex == 6)
    }

    @Test func rule5CommitIsMinOfLeaderCommitAndLastNewEntry() {
        var f = follower(term: 2)
        f.step(append(from: 2, to: 1, term: 2, prev: (3, 1), entries: [(4, 2), (5, 2)], commit: 9))
        #expect(f.commitIndex == 5)
        f.step(append(from: 2, to: 1, term: 2, prev: (5, 2), entries: [(6, 2)], commit: 4))
        #expect(f.commitIndex == 5, "commit never moves backwards")
        f.step(append(from: 2, to: 1, term: 2, prev: (6, 2), commit: 6))
        #expect(f.commitIndex == 6)
    }
}

@Suite struct Figure2RequestVoteReceiver {
    @Test func rule1RejectsStaleTerm() {
        var f = follower(term: 5)
        f.step(voteRequest(from: 2, to: 1, term: 4, last: (9, 4)))
        #expect(f.vote == noNode)
    }

    @Test func rule2VotesAtMostOncePerTerm() {
        var f = follower(term: 2)
        f.step(voteRequest(from: 2, to: 1, term: 3, last: (3, 1)))
        #expect(f.vote == 2)
        #expect(replies(&f).last?.reject == false)
        f.step(voteRequest(from: 3, to: 1, term: 3, last: (9, 2)))
        #expect(f.vote == 2)
        #expect(replies(&f).last?.reject == true, "already voted for 2 in term 3")
        f.step(voteRequest(from: 2, to: 1, term: 3, last: (3, 1)))
        #expect(replies(&f).last?.reject == false, "a repeated request from the same candidate is granted again")
    }

    @Test func rule2VotesOnlyForAtLeastAsUpToDateLogs() {
        // §5.4.1: compare last terms, then lengths.
        var f = follower(term: 3, terms: [2, 3])
        f.step(voteRequest(from: 2, to: 1, term: 4, last: (9, 2)))
        #expect(replies(&f).last?.reject == true, "longer log but older last term")
        f.step(voteRequest(from: 2, to: 1, term: 5, last: (4, 3)))
        #expect(replies(&f).last?.reject == true, "same last term, shorter log")
        f.step(voteRequest(from: 3, to: 1, term: 6, last: (5, 3)))
        #expect(replies(&f).last?.reject == false, "same last term and length")
        #expect(f.vote == 3)
    }

    @Test func votesArePersistedBeforeTheReplyIsSent() {
        var f = follower(term: 2)
        f.step(voteRequest(from: 2, to: 1, term: 3, last: (3, 1)))
        let ready = f.ready()
        #expect(ready.hardState?.vote == 2 && ready.hardState?.term == 3, "the vote is in the same Ready as the grant")
        #expect(ready.messages.contains { $0.kind == .voteResponse && !$0.reject })
    }
}

@Suite struct Figure2Followers {
    @Test func electionTimeoutStartsAnElection() {
        var f = follower(term: 2)
        for _ in 0..<20 { f.tick() }
        #expect(f.role == .candidate && f.term == 3)
    }

    @Test func hearingFromTheLeaderResetsTheTimeout() {
        var f = follower(term: 2)
        for _ in 0..<30 {
            f.tick()
            f.step(Message(kind: .heartbeat, from: 2, to: 1, term: 2))
        }
        #expect(f.role == .follower && f.term == 2)
    }

    @Test func electionTimeoutsAreRandomizedWithinOneToTwoTimeouts() {
        var seen = Set<Int>()
        for seed in 1...40 {
            var (r, _) = makeNode(1, voters: [1, 2, 3]) { $0.preVote = false }
            r.rng = TestRNG(UInt64(seed) * 7919)
            r.becomeFollower(term: 2, leader: noNode)
            var ticks = 0
            while r.role == .follower && ticks < 100 { r.tick(); ticks += 1 }
            #expect(ticks >= 10 && ticks < 20)
            seen.insert(ticks)
        }
        #expect(seen.count > 3, "timeouts spread over the range")
    }
}

@Suite struct Figure2Candidates {
    @Test func conversionIncrementsTermVotesForSelfAndRequestsVotes() {
        var f = follower(term: 2, terms: [2])
        f.campaign()
        #expect(f.role == .candidate && f.term == 3 && f.vote == 1)
        let requests = f.ready().messages.filter { $0.kind == .vote }
        #expect(requests.map(\.to) == [2, 3])
        #expect(requests.allSatisfy { $0.term == 3 && $0.index == 4 && $0.logTerm == 2 })
    }

    @Test func majorityMakesLeader() {
        var f = follower(term: 2)
        f.campaign()
        var grant = Message(kind: .voteResponse, from: 3, to: 1, term: 3)
        grant.reject = false
        f.step(grant)
        #expect(f.role == .leader)
    }

    @Test func appendFromNewLeaderMakesFollower() {
        var f = follower(term: 2)
        f.campaign()
        f.step(append(from: 2, to: 1, term: 3, prev: (3, 1)))
        #expect(f.role == .follower && f.leader == 2 && f.term == 3)
    }

    @Test func timeoutWithoutMajorityStartsNewElection() {
        var f = follower(term: 2)
        f.campaign()
        var reject = Message(kind: .voteResponse, from: 2, to: 1, term: 3)
        reject.reject = true
        f.step(reject)
        #expect(f.role == .candidate, "one rejection of three is not a loss")
        for _ in 0..<20 { f.tick() }
        #expect(f.role == .candidate && f.term == 4)
    }
}

@Suite struct Figure2Leaders {
    @Test func heartbeatsOnElectionAndWhileIdle() {
        let c = TestCluster(voters: [1, 2, 3])
        c.campaign(1)
        c.stabilize { $0.kind == .append } // hold appends back: only votes
        c.queue.removeAll()
        c.tick(1)
        #expect(c.queue.filter { $0.kind == .heartbeat }.map(\.to) == [2, 3])
    }

    @Test func proposalsAreAppendedReplicatedAndAppliedAfterCommit() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        try c.propose(1, [7])
        let index = c[1].lastIndex
        #expect(c[1].commitIndex < index, "not committed before a majority has it")
        c.stabilize()
        #expect(c[1].commitIndex == index)
        #expect(c[1].matchIndex(of: 2) == index && c[1].matchIndex(of: 3) == index)
        #expect(c.appliedData(1) == [[7]])
    }

    @Test func rejectionMakesLeaderBackUpAndRetry() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [3]
        for i in 0..<5 { try c.propose(1, [UInt8(i)]) }
        c.stabilize()
        c.isolated = []
        try c.propose(1, [99])
        c.tick(1)
        c.stabilize()
        #expect(c[3].lastIndex == c[1].lastIndex)
        #expect(c.appliedData(3) == (0..<5).map { [UInt8($0)] } + [[99]])
    }

    @Test func commitsByCountingOnlyEntriesOfItsOwnTerm() throws {
        // §5.4.2: an entry of an earlier term on a majority is not committed by counting...
        let c = TestCluster(voters: [1, 2, 3]) { $0.checkQuorum = false; $0.preVote = false; $0.maxMessageBytes = 1 }
        c.elect(1)
        c.isolated = [3]
        try c.propose(1, [1])
        c.stabilize { $0.kind == .appendResponse } // 2 stores it, 1 never hears back
        let oldIndex = c[1].lastIndex
        #expect(c[2].lastIndex == oldIndex)
        #expect(c[1].commitIndex < oldIndex)
        // ...so a new leader with it does not commit it from the count alone...
        c.isolated = [1]
        c.campaign(2)
        c.deliver { $0.kind == .vote }
        c.deliver { $0.kind == .voteResponse }
        #expect(c[2].role == .leader)
        let term = c[2].term
        c.stabilize { $0.kind == .append && $0.entries.contains { $0.term == term } && c[3].lastIndex >= oldIndex }
        #expect(c[3].lastIndex == oldIndex, "3 received the old entry")
        #expect(c[2].commitIndex < oldIndex)
        // ...but once an entry of its own term is on a majority, both are committed.
        c.stabilize()
        c.tick(2)
        c.stabilize()
        #expect(c[2].commitIndex == c[2].lastIndex && c[2].commitIndex > oldIndex)
    }
}

@Suite struct Section54Safety {
    /// Figure 8, on three servers. 1 leads term 2 and stores X at index 5 alone; 2 leads
    /// term 3 and stores Y at index 5 alone; 1 leads term 4 and copies X to 3. X is now on
    /// a majority but must not count as committed: 2 (last term 3) can still win term 5
    /// with 3's vote and overwrite it.
    @Test func figure8OlderTermEntryOnMajorityIsNotCommitted() throws {
        let c = TestCluster(voters: [1, 2, 3]) { $0.checkQuorum = false; $0.preVote = false; $0.maxMessageBytes = 1 }
        c.elect(1)
        #expect(c[1].term == 2)
        let x = c[1].lastIndex + 1
        c.isolated = [1]
        try c.propose(1, [0xAA])
        c.isolated = []
        c.queue.removeAll()

        c.isolated = [1]
        c.campaign(2)
        c.deliver { $0.kind == .vote }
        c.deliver { $0.kind == .voteResponse }
        #expect(c[2].role == .leader && c[2].term == 3)
        c.queue.removeAll() // its no-op Y (index 5, term 3) stays on 2
        #expect(c[2].term(at: x) == 3)

        c.isolated = [2]
        c.step(1, Message(kind: .heartbeat, from: 2, to: 1, term: 3)) // 1 learns of term 3
        c.queue.removeAll()
        c.campaign(1) // term 4
        c.deliver { $0.kind == .vote }
        c.deliver { $0.kind == .voteResponse }
        #expect(c[1].role == .leader && c[1].term == 4)
        // Deliver until 3 holds X but not 1's term-4 entry.
        c.stabilize { $0.kind == .append && $0.entries.contains { $0.term == 4 } && c[3].term(at: x) == 2 }
        #expect(c[3].term(at: x) == 2, "X is on 1 and 3, a majority")
        #expect(c[1].commitIndex < x, "yet the leader of term 4 must not commit it")

        c.isolated = [1]
        c.queue.removeAll()
        c.step(2, Message(kind: .heartbeat, from: 1, to: 2, term: 4)) // 2 learns of term 4
        c.queue.removeAll()
        c.campaign(2)
        c.stabilize()
        #expect(c[2].role == .leader && c[2].term == 5, "2 wins with 3's vote: its last term 3 beats X's term 2")
        c.tick(2)
        c.stabilize()
        #expect(c[3].term(at: x) == 3, "X was overwritten on 3, which is safe only because it was never committed")
        for id in c.ids { #expect(!c.appliedData(id).contains([0xAA])) }
    }

    @Test func electedLeaderHoldsEveryCommittedEntry() throws {
        // Leader Completeness (§5.4.3).
        let c = TestCluster(voters: [1, 2, 3, 4, 5]) { $0.checkQuorum = false }
        c.elect(1)
        c.isolated = [4, 5]
        for i in 0..<3 { try c.propose(1, [UInt8(i)]) }
        c.stabilize()
        let committed = c[1].commitIndex
        #expect(committed == c[1].lastIndex)
        // 4 and 5 lack the entries: neither can win, whoever else is up.
        c.isolated = [1]
        c.campaign(4)
        c.stabilize()
        #expect(c[4].role != .leader)
        c.campaign(5)
        c.stabilize()
        #expect(c[5].role != .leader)
        c.campaign(3)
        c.stabilize()
        #expect(c[3].role == .leader)
        for i in 1...committed { #expect(c[3].term(at: i) == c[1].term(at: i)) }
    }

    @Test func logMatchingAfterRepairs() throws {
        // Log Matching: after leaders come and go, all logs agree wherever terms agree.
        let c = TestCluster(voters: [1, 2, 3]) { $0.checkQuorum = false }
        c.elect(1)
        c.isolated = [1]
        try c.propose(1, [1])
        c.isolated = [1]
        c.elect(2)
        try c.propose(2, [2])
        c.isolated = []
        c.tick(2)
        c.stabilize()
        for a in c.ids {
            for b in c.ids {
                for i in 1...min(c[a].lastIndex, c[b].lastIndex) where c[a].term(at: i) == c[b].term(at: i) {
                    #expect(c[a].entries(from: 1, to: i + 1) == c[b].entries(from: 1, to: i + 1))
                }
            }
        }
    }
}
