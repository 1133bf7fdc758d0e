import Testing
@testable import Raft

private func entries(_ terms: [Term], from first: LogIndex = 1) -> [Entry] {
    terms.enumerated().map { Entry(index: first + LogIndex($0.offset), term: $0.element) }
}

@Suite struct MemoryStorageTests {
    @Test func appendTruncatesConflictingSuffix() throws {
        let s = MemoryStorage()
        try s.append(entries([1, 1, 2, 2]))
        try s.append(entries([3], from: 3))
        #expect(s.lastIndex() == 3)
        #expect(try s.term(at: 3) == 3)
    }

    @Test func snapshotAndCompaction() throws {
        let s = MemoryStorage()
        try s.append(entries([1, 1, 2, 2, 3]))
        try s.createSnapshot(index: 4, confState: ConfState(voters: [1]), data: [7])
        try s.compact(upTo: 3)
        #expect(s.firstIndex() == 4)
        #expect(try s.term(at: 3) == 2, "the compaction point's term stays known")
        #expect(throws: RaftError.compacted) { try s.term(at: 2) }
        #expect(throws: RaftError.compacted) { try s.entries(from: 3, to: 5, maxBytes: .max) }
        #expect(try s.entries(from: 4, to: 6, maxBytes: .max).map(\.term) == [2, 3])
        #expect(throws: RaftError.unavailable) { try s.compact(upTo: 5) }
    }

    @Test func entriesRespectByteLimitButReturnOne() throws {
        let s = MemoryStorage()
        try s.append((1...5).map { Entry(index: $0, term: 1, data: Array(repeating: 0, count: 100)) })
        #expect(try s.entries(from: 1, to: 6, maxBytes: 1).count == 1)
        #expect(try s.entries(from: 1, to: 6, maxBytes: 250).count == 2)
    }

    @Test func bootstrapWritesMembershipAsCommittedEntries() throws {
        let s = MemoryStorage()
        try s.bootstrap(voters: [3, 1, 2])
        #expect(s.lastIndex() == 3)
        #expect(s.hardState() == HardState(term: 1, vote: 0, commit: 3))
        let raft = Raft(config: makeConfig(1), storage: s, rng: TestRNG(1))
        #expect(raft.confState.voters == [1, 2, 3])
        #expect(throws: RaftError.self) { try s.bootstrap(voters: [1]) }
    }
}

@Suite struct UnstableLogTests {
    @Test func truncateAndAppendCases() {
        var u = UnstableLog(offset: 5)
        u.truncateAndAppend(entries([1, 1], from: 5))
        #expect(u.lastIndex == 6)
        u.truncateAndAppend(entries([2], from: 7)) // direct append
        #expect(u.entries.map(\.term) == [1, 1, 2])
        u.truncateAndAppend(entries([3, 3], from: 6)) // truncate inside
        #expect(u.entries.map(\.term) == [1, 3, 3])
        u.truncateAndAppend(entries([4], from: 4)) // replaces everything, before offset
        #expect(u.offset == 4)
        #expect(u.entries.map(\.term) == [4])
    }

    @Test func stableToIgnoresRewrittenEntries() {
        var u = UnstableLog(offset: 1)
        u.truncateAndAppend(entries([1, 1, 1]))
        u.truncateAndAppend(entries([2], from: 3))
        u.stableTo(index: 3, term: 1) // acknowledges a write that was since replaced
        #expect(u.offset == 1)
        u.stableTo(index: 2, term: 1)
        #expect(u.offset == 3)
        #expect(u.entries.map(\.term) == [2])
    }
}

@Suite struct RaftLogTests {
    private func log(stored: [Term], unstable: [Term] = []) -> RaftLog {
        let s = MemoryStorage()
        try! s.append(entries(stored))
        var l = RaftLog(storage: s, applied: 0, maxBytes: .max)
        if !unstable.isEmpty { l.append(entries(unstable, from: LogIndex(stored.count) + 1)) }
        return l
    }

    @Test func sliceSpansStorageAndUnstable() throws {
        let l = log(stored: [1, 1, 2], unstable: [3, 3])
        #expect(l.lastIndex == 5)
        #expect(try l.slice(from: 2, to: 6, maxBytes: .max).map(\.term) == [1, 2, 3, 3])
        #expect(l.term(at: 0) == 0)
        #expect(l.term(at: 6) == nil)
    }

    @Test func upToDateComparesLastTermThenIndex() {
        let l = log(stored: [1, 2, 2])
        #expect(l.isUpToDate(lastIndex: 1, term: 3))
        #expect(l.isUpToDate(lastIndex: 3, term: 2))
        #expect(l.isUpToDate(lastIndex: 4, term: 2))
        #expect(!l.isUpToDate(lastIndex: 2, term: 2))
        #expect(!l.isUpToDate(lastIndex: 9, term: 1))
    }

    @Test func maybeAppendFindsAndTruncatesConflicts() {
        var l = log(stored: [1, 1, 1, 1])
        #expect(l.maybeAppend(prevIndex: 5, prevTerm: 1, leaderCommit: 0, entries: []) == nil, "gap")
        #expect(l.maybeAppend(prevIndex: 2, prevTerm: 2, leaderCommit: 0, entries: []) == nil, "term mismatch")
        let last = l.maybeAppend(prevIndex: 2, prevTerm: 1, leaderCommit: 3, entries: entries([2, 2], from: 3))
        #expect(last == 4)
        #expect(l.term(at: 3) == 2 && l.term(at: 4) == 2)
        #expect(l.committed == 3)
    }

    @Test func maybeAppendKeepsEntriesBeyondAMatchingShorterAppend() {
        var l = log(stored: [1, 1, 1, 1])
        // A delayed, shorter append must not truncate entries it agrees with.
        let last = l.maybeAppend(prevIndex: 1, prevTerm: 1, leaderCommit: 0, entries: entries([1], from: 2))
        #expect(last == 2)
        #expect(l.lastIndex == 4)
    }

    @Test func commitOnlyForCurrentTerm() {
        var l = log(stored: [1, 2, 2])
        let olderTerm = l.maybeCommit(index: 2, term: 3)
        #expect(!olderTerm)
        let currentTerm = l.maybeCommit(index: 2, term: 2)
        #expect(currentTerm)
        #expect(l.committed == 2)
        let backwards = l.maybeCommit(index: 1, term: 1)
        #expect(!backwards, "never moves backwards")
    }

    @Test func committedEntriesAreHandedOutOnce() {
        var l = log(stored: [1, 1, 1])
        l.commit(to: 2)
        #expect(l.nextCommittedEntries().map(\.index) == [1, 2])
        l.appliedTo(2)
        #expect(!l.hasNextCommittedEntries)
        l.commit(to: 3)
        #expect(l.nextCommittedEntries().map(\.index) == [3])
    }

    @Test func restoreFromSnapshot() {
        var l = log(stored: [1, 1])
        l.restore(Snapshot(metadata: SnapshotMetadata(index: 10, term: 4, confState: ConfState(voters: [1]))))
        #expect(l.firstIndex == 11)
        #expect(l.lastIndex == 10)
        #expect(l.committed == 10)
        #expect(l.term(at: 10) == 4)
    }
}
