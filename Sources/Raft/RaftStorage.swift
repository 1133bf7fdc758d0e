/// Durable state of one node, read by the core and written by the driver.
///
/// The core only calls the read methods. The driver calls the write methods while it
/// handles a `Ready`, before it sends that Ready's messages. An implementation must make
/// each write durable as a whole: after a crash, either all of an `append` is there or
/// none of it is.
public protocol RaftStorage: AnyObject {
    // MARK: Read (used by the core)
    func hardState() -> HardState
    /// Index of the first entry still in the log (snapshot index + 1).
    func firstIndex() -> LogIndex
    /// Index of the last entry (the snapshot index if the log is empty).
    func lastIndex() -> LogIndex
    /// Term of the entry at `index`; `index` may be `firstIndex() - 1` (the snapshot's).
    func term(at index: LogIndex) throws(RaftError) -> Term
    /// Entries in `[low, high)`, at least one if any, stopping once `maxBytes` is reached.
    func entries(from low: LogIndex, to high: LogIndex, maxBytes: Int) throws(RaftError) -> [Entry]
    /// The most recent snapshot (empty metadata when none was taken).
    func snapshot() -> Snapshot

    // MARK: Write (used by the driver)
    func setHardState(_ state: HardState)
    /// Appends entries, first removing any stored entries at or after `entries[0].index`.
    func append(_ entries: [Entry]) throws(RaftError)
    /// Replaces the whole log with a snapshot received from the leader.
    func applySnapshot(_ snapshot: Snapshot) throws(RaftError)
    /// Records a snapshot of the application's state at `index` (which must be applied).
    func createSnapshot(index: LogIndex, confState: ConfState, data: [UInt8]) throws(RaftError)
    /// Discards entries up to and including `index` (must be covered by the snapshot).
    func compact(upTo index: LogIndex) throws(RaftError)
}

extension RaftStorage {
    /// Writes the initial membership of a brand-new cluster as committed membership
    /// changes at indexes 1...n (term 1). Membership lives in the log, never beside it, so
    /// a node added later learns the founding voters by replication like everything else.
    /// Call only on an empty storage, with the same voters on every founding node.
    public func bootstrap(voters: [NodeID]) throws(RaftError) {
        guard lastIndex() == 0, hardState().isEmpty else { throw .invalidConfChange(reason: "storage is not empty") }
        let entries = voters.sorted().enumerated().map { offset, id in
            Entry(index: LogIndex(offset + 1), term: 1, kind: .confChange, data: ConfChange.addVoter(id).encoded())
        }
        try append(entries)
        setHardState(HardState(term: 1, vote: noNode, commit: LogIndex(entries.count)))
    }
}
