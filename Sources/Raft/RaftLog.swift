/// The log as the core sees it: persisted entries in `storage`, followed by entries not
/// yet persisted in `unstable`. Invariant: applied <= committed <= lastIndex.
struct RaftLog {
    let storage: any RaftStorage
    var unstable: UnstableLog
    /// Highest index known to be committed.
    var committed: LogIndex
    /// Highest index handed to the application in a Ready.
    var applied: LogIndex
    let maxBytes: Int

    init(storage: any RaftStorage, applied: LogIndex, maxBytes: Int) {
        self.storage = storage
        self.maxBytes = maxBytes
        let first = storage.firstIndex()
        unstable = UnstableLog(offset: storage.lastIndex() + 1)
        committed = first - 1
        self.applied = max(first - 1, applied)
    }

    var firstIndex: LogIndex { unstable.firstIndexFromSnapshot ?? storage.firstIndex() }
    var lastIndex: LogIndex { unstable.lastIndex ?? storage.lastIndex() }
    var lastTerm: Term { term(at: lastIndex) ?? 0 }

    /// Term at `index`, or nil if compacted away or beyond the end.
    func term(at index: LogIndex) -> Term? {
        let dummy = firstIndex - 1
        guard index >= dummy, index <= lastIndex else { return nil }
        if let t = unstable.term(at: index) { return t }
        return try? storage.term(at: index)
    }

    func matchTerm(_ index: LogIndex, _ term: Term) -> Bool { self.term(at: index) == term }

    /// §5.4.1: a log is at least as up to date if its last term is higher, or equal with
    /// an index at least as high.
    func isUpToDate(lastIndex index: LogIndex, term: Term) -> Bool {
        term > lastTerm || (term == lastTerm && index >= lastIndex)
    }

    /// Entries in `[low, high)` spanning storage and unstable, bounded by `maxBytes`.
    func slice(from low: LogIndex, to high: LogIndex, maxBytes: Int) throws(RaftError) -> [Entry] {
        guard low < high else { return [] }
        guard low >= firstIndex else { throw .compacted }
        guard high <= lastIndex + 1 else { throw .unavailable }
        var result: [Entry] = []
        if low < unstable.offset {
            let stored = try storage.entries(from: low, to: min(high, unstable.offset), maxBytes: maxBytes)
            result = stored
            // Stopped early by the byte limit: don't continue into the unstable part.
            if LogIndex(stored.count) < min(high, unstable.offset) - low { return result }
        }
        if high > unstable.offset {
            var bytes = result.reduce(0) { $0 + $1.byteSize }
            for entry in unstable.slice(from: max(low, unstable.offset), to: high) {
                bytes += entry.byteSize
                if !result.isEmpty && bytes > maxBytes { break }
                result.append(entry)
            }
        }
        return result
    }

    func entries(from low: LogIndex, maxBytes: Int) throws(RaftError) -> [Entry] {
        guard low <= lastIndex else { return [] }
        return try slice(from: low, to: lastIndex + 1, maxBytes: maxBytes)
    }

    /// Appends at the end (leader). Returns the new last index.
    @discardableResult
    mutating func append(_ entries: [Entry]) -> LogIndex {
        guard let first = entries.first else { return lastIndex }
        precondition(first.index > committed, "cannot overwrite committed entries")
        unstable.truncateAndAppend(entries)
        return lastIndex
    }

    /// The first entry whose term differs from ours (or that we lack), or nil.
    func findConflict(_ entries: [Entry]) -> LogIndex? {
        for entry in entries where !matchTerm(entry.index, entry.term) {
            return entry.index
        }
        return nil
    }

    /// Follower side of AppendEntries (Figure 2, receiver rules 2–5). Returns the index of
    /// the last new entry if `prevIndex/prevTerm` matched, nil otherwise.
    mutating func maybeAppend(prevIndex: LogIndex, prevTerm: Term, leaderCommit: LogIndex, entries: [Entry]) -> LogIndex? {
        guard matchTerm(prevIndex, prevTerm) else { return nil }
        let lastNew = prevIndex + LogIndex(entries.count)
        if let conflict = findConflict(entries) {
            precondition(conflict > committed, "conflict with committed entry at \(conflict)")
            append(Array(entries[Int(conflict - prevIndex - 1)...]))
        }
        commit(to: min(leaderCommit, lastNew))
        return lastNew
    }

    mutating func commit(to index: LogIndex) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "commit \(index) beyond last index \(lastIndex)")
        committed = index
    }

    /// Leader: commit `index` only if its entry is from `term` (the current term, §5.4.2).
    mutating func maybeCommit(index: LogIndex, term: Term) -> Bool {
        guard index > committed, self.term(at: index) == term else { return false }
        commit(to: index)
        return true
    }

    var hasNextCommittedEntries: Bool { committed > applied && applied + 1 >= firstIndex }

    func nextCommittedEntries() -> [Entry] {
        guard hasNextCommittedEntries else { return [] }
        return (try? slice(from: applied + 1, to: committed + 1, maxBytes: Int.max)) ?? []
    }

    mutating func appliedTo(_ index: LogIndex) {
        guard index > applied else { return }
        precondition(index <= committed, "applied \(index) beyond committed \(committed)")
        applied = index
    }

    func snapshot() -> Snapshot { unstable.snapshot ?? storage.snapshot() }

    /// Follower: replace the log with a snapshot from the leader.
    mutating func restore(_ snapshot: Snapshot) {
        committed = snapshot.metadata.index
        unstable.restore(snapshot)
    }
}
