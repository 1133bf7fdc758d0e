/// Where a secret's rows live in the `secret_rows` table: its version metadata, its sealed
/// values and its record, side by side under its folded name, so that creating or rotating it
/// writes one B-tree path instead of three. Each table an LMDB commit touches costs its own
/// pages and share of the commit's sync (benchmarks/lmdb-floor.sh: 0.52 ms for six tables,
/// 0.31 ms for three, on the machine of 2026-12-02).
///
/// A key is the folded name, a zero byte, the row's kind, then the version (big-endian) for
/// the kinds that have one. Names never contain bytes below `-`, so `name + [0]` prefixes
/// exactly one secret's rows and `name + [1]` sorts after all of them.
enum SecretRows {
    enum Kind: UInt8 {
        case version = 1
        case value = 2
        /// Last, next to the newest versions: a rotation's writes share a leaf page.
        case record = 3
    }

    static func prefix(_ name: String) -> [UInt8] { Array(Keyspace.folded(name).utf8) + [0] }

    static func record(_ name: String) -> [UInt8] { prefix(name) + [Kind.record.rawValue] }

    static func value(_ name: String, _ version: UInt64) -> [UInt8] { prefix(name) + [Kind.value.rawValue] + version.bigEndianBytes }

    static func version(_ name: String, _ version: UInt64) -> [UInt8] {
        prefix(name) + [Kind.version.rawValue] + version.bigEndianBytes
    }

    static func history(_ name: String) -> [UInt8] { prefix(name) + [Kind.version.rawValue] }

    /// The secret `name`'s kept sealed values, oldest first: each row's version, key and bytes.
    static func sealedValues(_ name: String, in txn: LMDBTransaction) throws -> [(version: UInt64, key: [UInt8], value: [UInt8])] {
        let prefix = prefix(name) + [Kind.value.rawValue]
        return try txn.scan(Keyspace.Table.secretRows, prefix: prefix).map { row in
            guard let version = UInt64(bigEndianBytes: Array(row.key.dropFirst(prefix.count))) else {
                throw StoreError.corrupt("a sealed value's key without its version")
            }
            return (version, row.key, row.value)
        }
    }

    /// Every secret's record, in folded-name order: two lookups per secret, whatever the length
    /// of its history.
    static func records(in txn: LMDBTransaction) throws -> [(key: [UInt8], value: [UInt8])] {
        var records: [(key: [UInt8], value: [UInt8])] = []
        var from: [UInt8] = []
        while let row = try txn.first(Keyspace.Table.secretRows, atOrAfter: from) {
            guard let end = row.key.firstIndex(of: 0) else { throw StoreError.corrupt("a secret row key without its name") }
            let name = Array(row.key[..<end])
            guard let record = try txn.get(Keyspace.Table.secretRows, name + [0, Kind.record.rawValue]) else {
                throw StoreError.corrupt("a secret's rows without its record")
            }
            records.append((name, record))
            from = name + [1]
        }
        return records
    }

    /// Moves rows kept in the tables of before (`secrets`, `values`, `versions`) to their
    /// places here, as they are (either form), and empties those tables.
    static func moveLegacyRows(in txn: LMDBTransaction) throws {
        typealias Table = Keyspace.Table
        for row in try txn.scan(Table.legacySecrets) {
            try txn.put(Table.secretRows, row.key + [0, Kind.record.rawValue], row.value)
            try txn.delete(Table.legacySecrets, row.key)
        }
        for (table, kind) in [(Table.legacyValues, Kind.value), (Table.legacyVersions, Kind.version)] {
            // Keys there were the folded name, a zero byte and the version.
            for row in try txn.scan(table) {
                guard row.key.count > 9, row.key[row.key.count - 9] == 0 else {
                    throw StoreError.corrupt("a \(table) key without name and version")
                }
                try txn.put(Table.secretRows, Array(row.key.dropLast(8)) + [kind.rawValue] + Array(row.key.suffix(8)), row.value)
                try txn.delete(table, row.key)
            }
        }
    }
}
