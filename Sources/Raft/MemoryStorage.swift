/// An in-memory `RaftStorage` for tests and the simulator: a value copied into a new
/// instance models what survives a crash.
public final class MemoryStorage: RaftStorage {
    private var hard = HardState()
    private var snap = Snapshot()
    /// entries[0] is a placeholder carrying the snapshot's index and term.
    private var log: [Entry] = [Entry(index: 0, term: 0)]

    public init() {}

    /// A storage bootstrapped with an initial membership (a snapshot at index 0).
    public convenience init(confState: ConfState) {
        self.init()
        snap.metadata.confState = confState
    }

    public func copy() -> MemoryStorage {
        let other = MemoryStorage()
        other.hard = hard
        other.snap = snap
        other.log = log
        return other
    }

    private var offset: LogIndex { log[0].index }

    public func hardState() -> HardState { hard }
    public func firstIndex() -> LogIndex { offset + 1 }
    public func lastIndex() -> LogIndex { offset + LogIndex(log.count) - 1 }
    public func snapshot() -> Snapshot { snap }

    public func term(at index: LogIndex) throws(RaftError) -> Term {
        guard index >= offset else { throw .compacted }
        guard index <= lastIndex() else { throw .unavailable }
        return log[Int(index - offset)].term
    }

    public func entries(from low: LogIndex, to high: LogIndex, maxBytes: Int) throws(RaftError) -> [Entry] {
        guard low > offset else { throw .compacted }
        guard high <= lastIndex() + 1, low <= high else { throw .unavailable }
        var result: [Entry] = []
        var bytes = 0
        for i in low..<high {
            let entry = log[Int(i - offset)]
            bytes += entry.byteSize
            if !result.isEmpty && bytes > maxBytes { break }
            result.append(entry)
        }
        return result
    }

    public func setHardState(_ state: HardState) { hard = state }

    public func append(_ entries: [Entry]) throws(RaftError) {
        guard let first = entries.first else { return }
        // Entries already covered by the snapshot are dropped.
        let fresh = entries.filter { $0.index > offset }
        guard let firstFresh = fresh.first else { return }
        guard firstFresh.index <= lastIndex() + 1 else { throw .unavailable }
        _ = first
        log.removeSubrange(Int(firstFresh.index - offset)...)
        log.append(contentsOf: fresh)
    }

    public func applySnapshot(_ snapshot: Snapshot) throws(RaftError) {
        guard snapshot.metadata.index > snap.metadata.index else { throw .snapshotOutOfDate }
        snap = snapshot
        log = [Entry(index: snapshot.metadata.index, term: snapshot.metadata.term)]
    }

    public func createSnapshot(index: LogIndex, confState: ConfState, data: [UInt8]) throws(RaftError) {
        guard index > snap.metadata.index else { throw .snapshotOutOfDate }
        guard index <= lastIndex() else { throw .unavailable }
        let term = try term(at: index)
        snap = Snapshot(metadata: SnapshotMetadata(index: index, term: term, confState: confState), data: data)
    }

    public func compact(upTo index: LogIndex) throws(RaftError) {
        guard index > offset else { return }
        guard index <= snap.metadata.index else { throw .unavailable }
        let keep = Int(index - offset)
        let head = log[keep]
        log.removeSubrange(0..<keep)
        log[0] = Entry(index: head.index, term: head.term)
    }
}
