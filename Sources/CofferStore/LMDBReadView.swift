import CLMDB

/// A read transaction kept open past one closure: the environment as it was when the view
/// was opened, however many writes commit after it. Opened on one thread, it may be read on
/// another (the environment is opened with MDB_NOTLS), by one thread at a time. It holds
/// pages that later writes free, so keep it only as long as the work it is for.
public final class LMDBReadView: @unchecked Sendable {
    private let handle: OpaquePointer
    private let environment: LMDBEnvironment

    init(environment: LMDBEnvironment) throws {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(environment.handle, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin (view)")
        handle = txn!
        self.environment = environment
    }

    deinit { mdb_txn_abort(handle) }

    /// Reads in the view; the transaction must not escape `body`.
    public func read<Result>(_ body: (LMDBTransaction) throws -> Result) rethrows -> Result {
        try body(LMDBTransaction(handle: handle, environment: environment))
    }
}

extension LMDBEnvironment {
    /// A view of the environment as it is now, to read later or elsewhere.
    public func openView() throws -> LMDBReadView { try LMDBReadView(environment: self) }
}
