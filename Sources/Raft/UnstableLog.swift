/// Entries and a snapshot the core has accepted but the driver has not yet persisted.
/// `entries[i]` has index `offset + i`.
struct UnstableLog {
    var snapshot: Snapshot?
    var entries: [Entry] = []
    var offset: LogIndex

    init(offset: LogIndex) { self.offset = offset }

    /// The first index, only known if a snapshot is pending.
    var firstIndexFromSnapshot: LogIndex? { snapshot.map { $0.metadata.index + 1 } }

    var lastIndex: LogIndex? {
        if !entries.isEmpty { return offset + LogIndex(entries.count) - 1 }
        return snapshot?.metadata.index
    }

    func term(at index: LogIndex) -> Term? {
        if index < offset {
            if let snap = snapshot, snap.metadata.index == index { return snap.metadata.term }
            return nil
        }
        guard let last = lastIndex, index <= last, !entries.isEmpty else { return nil }
        return entries[Int(index - offset)].term
    }

    /// The driver persisted entries up to `index` (with `term`). If the unstable log has
    /// since been rewritten at that index, the acknowledgement is stale and ignored.
    mutating func stableTo(index: LogIndex, term: Term) {
        guard let t = self.term(at: index), t == term, index >= offset else { return }
        entries.removeFirst(Int(index + 1 - offset))
        offset = index + 1
    }

    mutating func stableSnapshotTo(index: LogIndex) {
        if snapshot?.metadata.index == index { snapshot = nil }
    }

    mutating func restore(_ snap: Snapshot) {
        offset = snap.metadata.index + 1
        entries = []
        snapshot = snap
    }

    mutating func truncateAndAppend(_ new: [Entry]) {
        guard let first = new.first?.index else { return }
        if first == offset + LogIndex(entries.count) {
            entries.append(contentsOf: new)
        } else if first <= offset {
            // Replaces everything unstable; persisted entries from `first` on are
            // overwritten when the driver appends these.
            offset = first
            entries = new
        } else {
            entries = Array(entries[0..<Int(first - offset)]) + new
        }
    }

    func slice(from low: LogIndex, to high: LogIndex) -> [Entry] {
        Array(entries[Int(low - offset)..<Int(high - offset)])
    }
}
