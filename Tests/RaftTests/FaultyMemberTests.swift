import Testing
@testable import Raft

/// A faulty or hostile member's messages: each one here trapped the core once (an overflow,
/// an index out of range, a precondition). Now each is dropped or answered, the node keeps
/// its log, and it goes on working. A trap would end the test process.
@Suite struct FaultyMemberTests {
    /// A follower at term 2 holding indexes 1...8 (bootstrap 1...3, then 4...8 of term 2), 5 committed.
    static func follower() -> Raft {
        var (r, _) = makeNode(1, voters: [1, 2, 3]) { $0.checkQuorum = false; $0.preVote = false }
        r.becomeFollower(term: 2, leader: noNode)
        r.step(append(prev: (3, 1), entries: (4...8).map { ($0, 2) }, commit: 5))
        _ = r.ready()
        return r
    }

    static func append(term: Term = 2, prev: (LogIndex, Term), entries: [(LogIndex, Term)], commit: LogIndex = 0) -> Message {
        var m = Message(kind: .append, from: 2, to: 1, term: term)
        m.index = prev.0
        m.logTerm = prev.1
        m.entries = entries.map { Entry(index: $0.0, term: $0.1, data: [1]) }
        m.commit = commit
        return m
    }

    @Test func appendsWhoseEntriesDoNotFollowThePreviousIndexAreDropped() {
        let malformed: [Message] = [
            Self.append(prev: (5, 2), entries: [(0, 1)]),                         // conflict at 0, below commit
            Self.append(prev: (8, 2), entries: [(7, 99)]),                        // an index before prev
            Self.append(prev: (8, 2), entries: [(50, 2)]),                        // an index far past prev
            Self.append(prev: (8, 2), entries: [(.max, 2)]),                      // an index no Int holds
            Self.append(prev: (5, 2), entries: Array(repeating: (6, 2), count: 10), commit: 15), // one index ten times
            Self.append(prev: (5, 2), entries: Array(repeating: (6, 2), count: 8) + [(14, 3)]),
            Self.append(prev: (8, 2), entries: [(9, 2), (100, 2)], commit: 10),
            Self.append(prev: (.max, 2), entries: [(0, 2)]),
        ]
        for message in malformed {
            var r = Self.follower()
            r.step(message)
            #expect(r.lastIndex == 8 && r.log.committed == 5, "\(message.entries.map(\.index)) after \(message.index)")
            #expect(r.ready().messages.isEmpty, "a malformed append is dropped, not answered")
            r.step(Self.append(prev: (8, 2), entries: [(9, 2)], commit: 9))
            #expect(r.lastIndex == 9 && r.log.committed == 9, "the follower goes on after a malformed append")
        }
    }

    @Test func aLeaderIgnoresAcknowledgementsPastItsLogAndHugeHints() {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        let last = c[1].lastIndex
        var ack = Message(kind: .appendResponse, from: 2, to: 1, term: c[1].term)
        ack.index = .max
        c.step(1, ack)
        #expect(c[1].role == .leader && c[1].log.committed <= last)

        // A refusal of the probe at next-1 with the largest hint there is.
        let probeLeader = TestCluster(voters: [1, 2, 3])
        probeLeader.elect(1)
        let probe = probeLeader[1].lastIndex
        var refusal = Message(kind: .appendResponse, from: 3, to: 1, term: probeLeader[1].term)
        refusal.reject = true
        refusal.index = probe
        refusal.rejectHint = .max
        probeLeader.step(1, refusal)
        #expect(probeLeader[1].role == .leader)
        try? probeLeader.propose(1, [7])
        probeLeader.stabilize()
        #expect(probeLeader.appliedData(3).last == [7], "replication to the refusing follower goes on")
    }

    @Test func termsAtTheEndOfTheRangeDoNotOverflow() {
        var r = Self.follower()
        r.step(Message(kind: .timeoutNow, from: 2, to: 1, term: .max))
        r.step(Message(kind: .hup, from: 1, to: 1))
        #expect(r.role == .follower, "no election past the last term")
        _ = r.ready()
    }
}
