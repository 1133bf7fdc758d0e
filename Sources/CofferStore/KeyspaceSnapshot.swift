/// The keyspace as a Raft snapshot: every row of its replicated tables, in key order. The
/// master key check stays out (each node proves its own key); the applied index is the
/// snapshot's index.
extension Keyspace {
    static let snapshotFormat: UInt8 = 7

    /// The tables an image of `format` carries, in order. Format 2 added the rotations table,
    /// format 3 the versions table (before it, version histories sat inside the secret records),
    /// format 4 allowed rows in their binary form, and format 5 carries records, values and
    /// versions together in `secret_rows`, format 6 the cluster's settings, format 7 the audit trail's hash chain (linked anew from the
    /// trail when restoring an older image). Older images are restored into the tables of before
    /// and moved on from there, as an old keyspace is when it is opened.
    private static func tables(inFormat format: UInt8) -> [String] {
        switch format {
        case 1: [Table.legacySecrets, Table.legacyValues, Table.tokens, Table.audit, Table.members]
        case 2: [Table.legacySecrets, Table.legacyValues, Table.tokens, Table.audit, Table.members, Table.rotations]
        case 3, 4: [Table.legacySecrets, Table.legacyValues, Table.tokens, Table.audit, Table.members, Table.rotations,
                    Table.legacyVersions]
        case 5: [Table.secretRows, Table.tokens, Table.audit, Table.members, Table.rotations]
        case 6: [Table.secretRows, Table.tokens, Table.audit, Table.members, Table.rotations, Table.settings]
        default: [Table.secretRows, Table.tokens, Table.audit, Table.auditChain, Table.members, Table.rotations, Table.settings]
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
            for table in Self.tables(inFormat: Self.snapshotFormat) {
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
    /// A malformed image throws, and the caller's transaction must then be abandoned: the
    /// image is checked whole before anything is written, but moving an older format's rows
    /// into today's tables can still find one bad.
    public func restore(snapshot data: [UInt8], appliedIndex: UInt64, in txn: LMDBTransaction) throws {
        guard data.count <= Self.maxSnapshotBytes else { throw StoreError.corrupt("snapshot larger than the limit") }
        var reader = ByteReader(data)
        let format = try reader.readByte()
        guard (1...Self.snapshotFormat).contains(format) else { throw StoreError.corrupt("unknown snapshot format") }
        let bootstrapped = try reader.readBool()
        var tables: [(String, [(key: [UInt8], value: [UInt8])])] = []
        for table in Self.tables(inFormat: format) {
            let count = Int(try reader.readUInt32())
            var rows: [(key: [UInt8], value: [UInt8])] = []
            for _ in 0..<count { rows.append((try reader.readBytes(max: 1024), try reader.readBytes())) }
            tables.append((table, rows))
        }
        try reader.expectEnd()
        for table in Table.all where table != Table.meta {
            for row in try txn.scan(table) { try txn.delete(table, row.key) }
        }
        for (table, rows) in tables {
            for row in rows { try txn.put(table, row.key, row.value) }
        }
        if format < 3 { try Self.moveVersionHistories(in: txn) }
        if format < 5 { try SecretRows.moveLegacyRows(in: txn) }
        if format < 7 { try Self.linkWholeTrail(in: txn) } else { try txn.put(Table.meta, MetaKey.auditChained, [1]) }
        if bootstrapped { try txn.put(Table.meta, MetaKey.bootstrapped, [1]) } else { try txn.delete(Table.meta, MetaKey.bootstrapped) }
        try txn.put(Table.meta, MetaKey.appliedIndex, appliedIndex.bigEndianBytes)
    }
}
