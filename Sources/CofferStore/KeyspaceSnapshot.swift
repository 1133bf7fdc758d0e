/// The keyspace as a Raft snapshot: every row of its replicated tables, in key order. The
/// master key check stays out (each node proves its own key); the applied index is the
/// snapshot's index.
extension Keyspace {
    /// Format 2 added the rotations table, format 3 the versions table; an image from an older
    /// leader lacks them (and keeps version histories inside the secret records). Format 4 may
    /// hold rows in their binary form, which a node that reads only JSON rows must refuse.
    static let snapshotTables = [Table.secrets, Table.values, Table.tokens, Table.audit, Table.members, Table.rotations,
                                 Table.versions]
    static let snapshotFormat: UInt8 = 4

    /// The format that first carried `table`.
    private static func firstFormat(with table: String) -> UInt8 {
        switch table {
        case Table.rotations: 2
        case Table.versions: 3
        default: 1
        }
    }
    /// The largest snapshot a node accepts from a peer.
    public static let maxSnapshotBytes = 512 * 1024 * 1024

    /// An image of the replicated state, read in one transaction, with the index it is at.
    public func snapshotImage() throws -> (appliedIndex: UInt64, data: [UInt8]) {
        try snapshotImage(of: environment.openView())
    }

    /// The state as it is now, pinned: `snapshotImage(of:)` reads it later, on any thread,
    /// while writes go on. Opening the view is cheap; reading the image is not.
    public func pinForSnapshot() throws -> (view: LMDBReadView, appliedIndex: UInt64) {
        let view = try environment.openView()
        return (view, try view.read { txn in try Self.appliedIndex(txn) })
    }

    /// An image of the replicated state as `view` sees it, with the index it is at.
    public func snapshotImage(of view: LMDBReadView) throws -> (appliedIndex: UInt64, data: [UInt8]) {
        try view.read { txn in
            var writer = ByteWriter(capacity: 4096)
            writer.write(Self.snapshotFormat)
            writer.write(try txn.get(Table.meta, MetaKey.bootstrapped) != nil)
            for table in Self.snapshotTables {
                let rows = try txn.scan(table)
                writer.write(UInt32(rows.count))
                for row in rows {
                    writer.write(bytes: row.key)
                    writer.write(bytes: row.value)
                }
            }
            return (try Self.appliedIndex(txn), writer.bytes)
        }
    }

    /// Replaces the replicated state with a snapshot's, inside the caller's transaction.
    /// A malformed image throws before anything is written.
    public func restore(snapshot data: [UInt8], appliedIndex: UInt64, in txn: LMDBTransaction) throws {
        guard data.count <= Self.maxSnapshotBytes else { throw StoreError.corrupt("snapshot larger than the limit") }
        var reader = ByteReader(data)
        let format = try reader.readByte()
        guard (1...Self.snapshotFormat).contains(format) else { throw StoreError.corrupt("unknown snapshot format") }
        let bootstrapped = try reader.readBool()
        var tables: [(String, [(key: [UInt8], value: [UInt8])])] = []
        for table in Self.snapshotTables {
            guard format >= Self.firstFormat(with: table) else {
                tables.append((table, []))
                continue
            }
            let count = Int(try reader.readUInt32())
            var rows: [(key: [UInt8], value: [UInt8])] = []
            for _ in 0..<count { rows.append((try reader.readBytes(max: 1024), try reader.readBytes())) }
            tables.append((table, rows))
        }
        try reader.expectEnd()
        for (table, rows) in tables {
            for row in try txn.scan(table) { try txn.delete(table, row.key) }
            for row in rows { try txn.put(table, row.key, row.value) }
        }
        if format < Self.firstFormat(with: Table.versions) { try Self.moveVersionHistories(in: txn) }
        if bootstrapped { try txn.put(Table.meta, MetaKey.bootstrapped, [1]) } else { try txn.delete(Table.meta, MetaKey.bootstrapped) }
        try txn.put(Table.meta, MetaKey.appliedIndex, appliedIndex.bigEndianBytes)
    }
}
