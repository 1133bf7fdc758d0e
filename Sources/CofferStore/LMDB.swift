import CLMDB

/// One LMDB environment: a memory-mapped copy-on-write B+tree file with one writer and
/// lock-free readers. A write transaction is the unit of durability: when `write` returns,
/// its changes are on disk.
public final class LMDBEnvironment: @unchecked Sendable {
    let handle: OpaquePointer
    private var databases: [String: MDB_dbi] = [:]

    /// Opens (creating if needed) the environment in `directory`, with the named databases.
    /// `noSync`: commits reach the file but are not flushed to the disk (they survive a
    /// crash of the process, not of the machine); for data that may lose its last moments.
    public init(directory: String, names: [String], mapSize: Int = 1 << 34, noSync: Bool = false) throws {
        var handle: OpaquePointer?
        try check(mdb_env_create(&handle), "mdb_env_create")
        self.handle = handle!
        do {
            try check(mdb_env_set_maxdbs(self.handle, MDB_dbi(names.count + 1)), "mdb_env_set_maxdbs")
            try check(mdb_env_set_mapsize(self.handle, mapSize), "mdb_env_set_mapsize")
            // MDB_NOTLS: read transactions are not tied to a thread, so async code may hold them.
            try check(mdb_env_open(self.handle, directory, UInt32(MDB_NOTLS) | (noSync ? UInt32(MDB_NOSYNC) : 0), 0o600),
                      "mdb_env_open \(directory)")
            var opened: [String: MDB_dbi] = [:]
            try write { txn in
                for name in names {
                    var dbi = MDB_dbi()
                    try check(mdb_dbi_open(txn.handle, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open \(name)")
                    opened[name] = dbi
                }
            }
            databases = opened
        } catch {
            mdb_env_close(self.handle)
            throw error
        }
    }

    deinit { mdb_env_close(handle) }

    func database(_ name: String) -> MDB_dbi {
        guard let dbi = databases[name] else { preconditionFailure("database \(name) was not opened") }
        return dbi
    }

    /// Runs `body` in a write transaction and commits it; any error aborts it. LMDB serializes
    /// writers, and a write transaction must stay on one thread: `body` is synchronous.
    public func write<Result>(_ body: (LMDBTransaction) throws -> Result) throws -> Result {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(handle, nil, 0, &txn), "mdb_txn_begin")
        let transaction = LMDBTransaction(handle: txn!, environment: self)
        do {
            let result = try body(transaction)
            try check(mdb_txn_commit(txn), "mdb_txn_commit")
            return result
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
    }

    public func read<Result>(_ body: (LMDBTransaction) throws -> Result) throws -> Result {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin (read)")
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(handle: txn!, environment: self))
    }
}

/// A transaction's view; valid only inside the `read` or `write` closure that gave it.
public struct LMDBTransaction {
    let handle: OpaquePointer
    let environment: LMDBEnvironment

    public func get(_ database: String, _ key: [UInt8]) throws -> [UInt8]? {
        let dbi = environment.database(database)
        var keyCopy = key
        return try keyCopy.withUnsafeMutableBytes { keyBytes -> [UInt8]? in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            var data = MDB_val()
            let code = mdb_get(handle, dbi, &keyValue, &data)
            if code == MDB_NOTFOUND { return nil }
            try check(code, "mdb_get \(database)")
            return Array(UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size))
        }
    }

    public func put(_ database: String, _ key: [UInt8], _ value: [UInt8]) throws {
        let dbi = environment.database(database)
        var keyCopy = key
        var valueCopy = value
        try keyCopy.withUnsafeMutableBytes { keyBytes in
            try valueCopy.withUnsafeMutableBytes { valueBytes in
                var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
                var data = MDB_val(mv_size: valueBytes.count, mv_data: valueBytes.baseAddress)
                try check(mdb_put(handle, dbi, &keyValue, &data, 0), "mdb_put \(database)")
            }
        }
    }

    /// Deletes a key; returns whether it was there.
    @discardableResult
    public func delete(_ database: String, _ key: [UInt8]) throws -> Bool {
        let dbi = environment.database(database)
        var keyCopy = key
        return try keyCopy.withUnsafeMutableBytes { keyBytes -> Bool in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            let code = mdb_del(handle, dbi, &keyValue, nil)
            if code == MDB_NOTFOUND { return false }
            try check(code, "mdb_del \(database)")
            return true
        }
    }

    /// Every entry whose key starts with `prefix` (all of them for an empty prefix), in key order.
    public func scan(_ database: String, prefix: [UInt8] = [], limit: Int = .max) throws -> [(key: [UInt8], value: [UInt8])] {
        try scan(database, from: prefix, limit: limit) { key in key.starts(with: prefix) }
    }

    /// Entries from the first key at or after `start`, while `include` holds, in key order.
    public func scan(
        _ database: String, from start: [UInt8], limit: Int = .max, while include: ([UInt8]) -> Bool
    ) throws -> [(key: [UInt8], value: [UInt8])] {
        let dbi = environment.database(database)
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, dbi, &cursor), "mdb_cursor_open \(database)")
        defer { mdb_cursor_close(cursor) }
        var results: [(key: [UInt8], value: [UInt8])] = []
        var startCopy = start
        try startCopy.withUnsafeMutableBytes { startBytes in
            var key = MDB_val(mv_size: startBytes.count, mv_data: startBytes.baseAddress)
            var data = MDB_val()
            var code = start.isEmpty ? mdb_cursor_get(cursor, &key, &data, MDB_FIRST)
                                     : mdb_cursor_get(cursor, &key, &data, MDB_SET_RANGE)
            while code == 0, results.count < limit {
                let keyBytes = Array(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size))
                guard include(keyBytes) else { break }
                results.append((keyBytes, Array(UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size))))
                code = mdb_cursor_get(cursor, &key, &data, MDB_NEXT)
            }
            if code != 0 && code != MDB_NOTFOUND { try check(code, "mdb_cursor_get \(database)") }
        }
        return results
    }

    /// The first entry at or after `key` (the first of all for an empty key), if any.
    public func first(_ database: String, atOrAfter key: [UInt8]) throws -> (key: [UInt8], value: [UInt8])? {
        try scan(database, from: key, limit: 1) { _ in true }.first
    }

    /// The last entry whose key sorts before `key`, if any.
    public func scanBackward(_ database: String, before key: [UInt8]) throws -> (key: [UInt8], value: [UInt8])? {
        let dbi = environment.database(database)
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, dbi, &cursor), "mdb_cursor_open \(database)")
        defer { mdb_cursor_close(cursor) }
        var keyCopy = key
        return try keyCopy.withUnsafeMutableBytes { keyBytes in
            var found = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            var data = MDB_val()
            // At or after `key`, then one back; past the end, the last.
            var code = mdb_cursor_get(cursor, &found, &data, MDB_SET_RANGE)
            code = code == MDB_NOTFOUND ? mdb_cursor_get(cursor, &found, &data, MDB_LAST)
                                        : mdb_cursor_get(cursor, &found, &data, MDB_PREV)
            if code == MDB_NOTFOUND { return nil }
            try check(code, "mdb_cursor_get \(database)")
            return (Array(UnsafeRawBufferPointer(start: found.mv_data, count: found.mv_size)),
                    Array(UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size)))
        }
    }

    /// How many entries a database holds.
    public func count(_ database: String) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(handle, environment.database(database), &stat), "mdb_stat \(database)")
        return Int(stat.ms_entries)
    }

    /// The last entry of a database, if any.
    public func last(_ database: String) throws -> (key: [UInt8], value: [UInt8])? {
        let dbi = environment.database(database)
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, dbi, &cursor), "mdb_cursor_open \(database)")
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var data = MDB_val()
        let code = mdb_cursor_get(cursor, &key, &data, MDB_LAST)
        if code == MDB_NOTFOUND { return nil }
        try check(code, "mdb_cursor_get \(database)")
        return (Array(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)),
                Array(UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size)))
    }
}

@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
    guard code == 0 else { throw StoreError.lmdb(operation(), code: code, message: String(cString: mdb_strerror(code))) }
}
