import Testing
@testable import Raft

@Suite struct ProgressTests {
    @Test func probeSendsOneAppendAtATime() {
        var pr = Progress(next: 5, isLearner: false, maxInflight: 4)
        #expect(!pr.isPaused)
        pr.sentEntries(lastIndex: 6, count: 2)
        #expect(pr.isPaused)
        #expect(pr.next == 5, "probe does not advance next optimistically")
        let result1 = pr.maybeUpdate(6)
        #expect(result1)
        #expect(!pr.isPaused)
    }

    @Test func replicateIsBoundedByTheInflightWindow() {
        var pr = Progress(next: 1, isLearner: false, maxInflight: 2)
        pr.becomeReplicate()
        pr.sentEntries(lastIndex: 3, count: 3)
        #expect(pr.next == 4)
        #expect(!pr.isPaused)
        pr.sentEntries(lastIndex: 5, count: 2)
        #expect(pr.isPaused, "window of 2 messages is full")
        _ = pr.maybeUpdate(3)
        pr.inflights.freeLE(3)
        #expect(!pr.isPaused)
    }

    @Test func staleRejectionsAreIgnored() {
        var pr = Progress(next: 1, isLearner: false, maxInflight: 4)
        _ = pr.maybeUpdate(10)
        pr.becomeReplicate()
        let result2 = pr.maybeDecrease(rejected: 8, hint: 8)
        #expect(!result2, "rejection below match is stale in replicate")
        let result3 = pr.maybeDecrease(rejected: 12, hint: 11)
        #expect(result3)
        #expect(pr.next == 11)

        var probe = Progress(next: 9, isLearner: false, maxInflight: 4)
        let result4 = probe.maybeDecrease(rejected: 5, hint: 4)
        #expect(!result4, "probe only trusts the answer to its outstanding probe")
        let result5 = probe.maybeDecrease(rejected: 8, hint: 3)
        #expect(result5)
        #expect(probe.next == 4, "jumps back to the follower's last index + 1")
    }

    @Test func snapshotStatePausesUntilAcknowledged() {
        var pr = Progress(next: 2, isLearner: false, maxInflight: 4)
        pr.becomeSnapshot(index: 20)
        #expect(pr.isPaused)
        pr.becomeProbe()
        #expect(pr.next == 21, "after a snapshot, probing resumes past it")
        #expect(!pr.isPaused)
    }

    @Test func inflightsFreeInOrder() {
        var inflights = Inflights(capacity: 3)
        inflights.add(2)
        inflights.add(5)
        inflights.add(9)
        #expect(inflights.isFull)
        inflights.freeLE(5)
        #expect(inflights.count == 1)
        inflights.freeFirst()
        #expect(inflights.count == 0)
    }
}
