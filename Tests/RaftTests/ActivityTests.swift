import Testing
@testable import Raft

/// The leader learns each member's applied index from replication answers, and notices a
/// member that stopped answering.
@Suite struct MemberActivityTests {
    @Test func leaderLearnsAppliedIndexesFromAnswers() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        try c.propose(1, [7])
        c.stabilize()
        let index = c[1].lastIndex
        // Followers learn the commit on the next heartbeat and answer the one after it.
        c.tick(1)
        c.stabilize()
        c.tick(1)
        c.stabilize()
        for id: NodeID in [1, 2, 3] {
            #expect(c[id].appliedIndex == index)
            #expect(c[1].activity(of: id)?.applied == index, "member \(id)")
        }
    }

    @Test func answersReportOnlyWhatTheApplicationAcknowledged() throws {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        try c.propose(1, [7])
        let index = c[1].lastIndex
        c.deliver { $0.kind == .append }
        c.deliver { $0.kind == .appendResponse }
        // The leader committed and tells node 2; node 2 has not applied it yet.
        let commitNews = try #require(c.queue.first { $0.to == 2 && $0.kind == .append })
        var follower = c[2]
        follower.step(commitNews)
        let ready = follower.ready()
        #expect(ready.committedEntries.last?.index == index)
        #expect(ready.messages.filter { $0.kind == .appendResponse }.allSatisfy { $0.applied < index },
                "an answer built before the entry is applied must not claim it")
        follower.advance(ready)
        var heartbeat = Message(kind: .heartbeat, from: 1, to: 2, term: c[1].term)
        heartbeat.commit = index
        follower.step(heartbeat)
        let answer = follower.ready().messages.first { $0.kind == .heartbeatResponse }
        #expect(answer?.applied == index)
    }

    @Test func silentMemberCountsTicks() {
        let c = TestCluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [3]
        for _ in 0..<5 {
            c.tick(1)
            c.stabilize()
        }
        #expect(c[1].activity(of: 3)?.ticksSinceHeard == 5)
        #expect(c[1].activity(of: 2)?.ticksSinceHeard == 0)
        #expect(c[2].activity(of: 1) == nil, "only the leader tracks members")
    }
}
