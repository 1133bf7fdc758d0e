import Raft

/// The Raft log, hard state and latest snapshot in the node's LMDB environment, beside the
/// keyspace, so the driver can persist a Ready and apply committed entries in one write
/// transaction. Owned by the Raft driver's thread; it caches the few values the core asks
/// for on every step. A storage failure is fatal: a node that cannot write its log must stop.
public final class LMDBRaftStorage: RaftStorage, @unchecked Sendable {
    public static let tables = [Table.log, Table.meta]

    enum Table {
        static let log = "raft_log"
        static let meta = "raft_meta"
    }

    enum MetaKey {
        static let hardState = Array("hard_state".utf8)
        static let logStart = Array("log_start".utf8)            // index and term just before the first stored entry
        static let snapshotMetadata = Array("snapshot_metadata".utf8)
        static let snapshotData = Array("snapshot_data".utf8)
    }

    private let environment: LMDBEnvironment
    private var hard: HardState
    private var start: (index: LogIndex, term: Term)
    private var last: LogIndex
    private var snapshotMetadata: SnapshotMetadata

    public init(environment: LMDBEnvironment) throws {
        self.environment = environment
        (hard, start, last, snapshotMetadata) = try environment.read { txn in
            let hard = try txn.get(Table.meta, MetaKey.hardState).map { try RaftEncoding.decodeHardState($0) } ?? HardState()
            var start: (LogIndex, Term) = (0, 0)
            if let bytes = try txn.get(Table.meta, MetaKey.logStart) {
                var reader = ByteReader(bytes)
                start = (try reader.readUInt64(), try reader.readUInt64())
            }
            let last = try txn.last(Table.log).flatMap { UInt64(bigEndianBytes: $0.key) } ?? start.0
            var metadata = SnapshotMetadata()
            if let bytes = try txn.get(Table.meta, MetaKey.snapshotMetadata) {
                var reader = ByteReader(bytes)
                metadata = try RaftEncoding.readSnapshotMetadata(from: &reader)
            }
            return (hard, start, last, metadata)
        }
    }

    // MARK: Reads (the core)

    public func hardState() -> HardState { hard }
    public func firstIndex() -> LogIndex { start.index + 1 }
    public func lastIndex() -> LogIndex { last }

    public func term(at index: LogIndex) throws(RaftError) -> Term {
        if index == start.index { return start.term }
        guard index > start.index else { throw .compacted }
        guard index <= last else { throw .unavailable }
        return fatalOnFailure("read the term of entry \(index)") {
            try environment.read { txn in
                guard let bytes = try txn.get(Table.log, index.bigEndianBytes) else {
                    throw StoreError.corrupt("raft log entry \(index) is missing")
                }
                return try RaftEncoding.decodeEntry(bytes).term
            }
        }
    }

    public func entries(from low: LogIndex, to high: LogIndex, maxBytes: Int) throws(RaftError) -> [Entry] {
        guard low > start.index else { throw .compacted }
        guard high <= last + 1 else { throw .unavailable }
        guard low < high else { return [] }
        return fatalOnFailure("read raft log entries \(low)..<\(high)") {
            try environment.read { txn in
                var entries: [Entry] = []
                var size = 0
                for row in try txn.scan(Table.log, from: low.bigEndianBytes, limit: Int(high - low), while: { _ in true }) {
                    let entry = try RaftEncoding.decodeEntry(row.value)
                    size += entry.data.count + 24
                    if !entries.isEmpty && size > maxBytes { break }
                    entries.append(entry)
                }
                return entries
            }
        }
    }

    public func snapshot() -> Snapshot {
        guard snapshotMetadata.index > 0 else { return Snapshot() }
        let data: [UInt8] = fatalOnFailure("read the snapshot") {
            try environment.read { txn in try txn.get(Table.meta, MetaKey.snapshotData) ?? [] }
        }
        return Snapshot(metadata: snapshotMetadata, data: data)
    }

    // MARK: Writes (the driver), each its own durable transaction

    public func setHardState(_ state: HardState) {
        fatalOnFailure("persist the hard state") { try environment.write { txn in try persist(state, in: txn) } }
    }

    public func append(_ entries: [Entry]) throws(RaftError) {
        fatalOnFailure("append to the raft log") { try environment.write { txn in try append(entries, in: txn) } }
    }

    public func applySnapshot(_ snapshot: Snapshot) throws(RaftError) {
        guard snapshot.metadata.index > snapshotMetadata.index else { throw .snapshotOutOfDate }
        fatalOnFailure("install a snapshot") { try environment.write { txn in try install(snapshot, in: txn) } }
    }

    public func createSnapshot(index: LogIndex, confState: ConfState, data: [UInt8]) throws(RaftError) {
        try createSnapshot(index: index, confState: confState, data: data, compactingUpTo: 0)
    }

    public func compact(upTo index: LogIndex) throws(RaftError) {
        guard index > start.index else { return }
        guard index <= snapshotMetadata.index, index <= last else { throw .unavailable }
        let term = try term(at: index)
        fatalOnFailure("compact the raft log") {
            try environment.write { txn in try compact(upTo: index, term: term, in: txn) }
        }
    }

    /// Records a snapshot and then discards the entries up to `compactIndex` (0: none) in one
    /// durable transaction: one disk sync where `createSnapshot` and `compact` take two.
    public func createSnapshot(
        index: LogIndex, confState: ConfState, data: [UInt8], compactingUpTo compactIndex: LogIndex
    ) throws(RaftError) {
        guard index > snapshotMetadata.index else { throw .snapshotOutOfDate }
        guard compactIndex <= index else { throw .unavailable }
        let metadata = SnapshotMetadata(index: index, term: try term(at: index), confState: confState)
        let compactTerm = compactIndex > start.index ? try term(at: compactIndex) : nil
        fatalOnFailure("record a snapshot") {
            try environment.write { txn in
                var writer = ByteWriter()
                RaftEncoding.write(metadata, to: &writer)
                try txn.put(Table.meta, MetaKey.snapshotMetadata, writer.bytes)
                try txn.put(Table.meta, MetaKey.snapshotData, data)
                if let compactTerm { try compact(upTo: compactIndex, term: compactTerm, in: txn) }
            }
        }
        snapshotMetadata = metadata
    }

    private func compact(upTo index: LogIndex, term: Term, in txn: LMDBTransaction) throws {
        for row in try txn.scan(Table.log, from: (start.index + 1).bigEndianBytes, while: {
            (UInt64(bigEndianBytes: $0) ?? .max) <= index
        }) {
            try txn.delete(Table.log, row.key)
        }
        try setStart(index, term, in: txn)
    }

    // MARK: Transaction-level writes, for one transaction per Ready

    public func persist(_ state: HardState, in txn: LMDBTransaction) throws {
        try txn.put(Table.meta, MetaKey.hardState, RaftEncoding.encode(state))
        hard = state
    }

    /// Appends, first dropping any stored entries at or after the first new index.
    public func append(_ entries: [Entry], in txn: LMDBTransaction) throws {
        let entries = entries.filter { $0.index > start.index }
        guard let first = entries.first else { return }
        guard first.index <= last + 1 else { throw StoreError.corrupt("raft append leaves a gap after \(last)") }
        if first.index <= last {
            for index in first.index...last { try txn.delete(Table.log, index.bigEndianBytes) }
        }
        for entry in entries { try txn.put(Table.log, entry.index.bigEndianBytes, RaftEncoding.encode(entry)) }
        last = entries.last!.index
    }

    /// Replaces the whole log with a snapshot from the leader.
    public func install(_ snapshot: Snapshot, in txn: LMDBTransaction) throws {
        for row in try txn.scan(Table.log) { try txn.delete(Table.log, row.key) }
        var writer = ByteWriter()
        RaftEncoding.write(snapshot.metadata, to: &writer)
        try txn.put(Table.meta, MetaKey.snapshotMetadata, writer.bytes)
        try txn.put(Table.meta, MetaKey.snapshotData, snapshot.data)
        try setStart(snapshot.metadata.index, snapshot.metadata.term, in: txn)
        last = snapshot.metadata.index
        snapshotMetadata = snapshot.metadata
    }

    private func setStart(_ index: LogIndex, _ term: Term, in txn: LMDBTransaction) throws {
        var writer = ByteWriter()
        writer.write(index)
        writer.write(term)
        try txn.put(Table.meta, MetaKey.logStart, writer.bytes)
        start = (index, term)
    }
}

/// Runs a storage operation whose failure the node cannot survive.
public func fatalOnFailure<Result>(_ what: String, _ body: () throws -> Result) -> Result {
    do {
        return try body()
    } catch {
        fatalError("cannot \(what): \(error)")
    }
}
