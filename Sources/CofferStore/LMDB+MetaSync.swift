import CLMDB

extension LMDBEnvironment {
    /// With `deferringMetaSync`, like `write` but the commit syncs the data pages and leaves the meta page to reach the
    /// disk with the next synced commit (MDB_NOMETASYNC): one disk flush instead of two. A power
    /// loss may undo this transaction, never corrupt the file; a crash of the process loses
    /// nothing. Only for transactions the caller can redo, such as applying entries that are
    /// already durable in the Raft log. The flag is environment-wide: call it only from the
    /// one thread that writes.
    public func write<Result>(deferringMetaSync: Bool, _ body: (LMDBTransaction) throws -> Result) throws -> Result {
        guard deferringMetaSync else { return try write(body) }
        try check(mdb_env_set_flags(handle, UInt32(MDB_NOMETASYNC), 1), "mdb_env_set_flags")
        defer { _ = mdb_env_set_flags(handle, UInt32(MDB_NOMETASYNC), 0) }
        return try write(body)
    }
}
