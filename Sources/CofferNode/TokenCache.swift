import CofferStore
import Synchronization

/// Token records by id, kept in memory so that authenticating a request reads no LMDB page and
/// decodes no JSON. Emptied as soon as the driver hands over a batch that changed tokens (or a
/// snapshot that replaced them), before the writer's request is answered; a record loaded while
/// that happened is not kept. So once a revocation is acknowledged by a node, that node refuses
/// the token. (Requests racing the revocation, between its commit and the emptying, may still
/// pass, as they may pass on a node that has not applied it yet.)
final class TokenCache: Sendable {
    private struct State {
        var records: [String: TokenRecord] = [:]
        /// Counts invalidations: a load that started before one must not be kept.
        var epoch: UInt64 = 0
    }

    /// More tokens than this are looked up in the keyspace each time.
    static let capacity = 10_000
    private let state = Mutex(State())

    /// The record for `id`: from memory, or from `load` (kept unless tokens changed meanwhile).
    func record(id: String, load: () throws -> TokenRecord?) -> TokenRecord? {
        let (cached, epoch) = state.withLock { ($0.records[id], $0.epoch) }
        if let cached { return cached }
        guard let loaded = try? load() else { return nil }
        state.withLock { state in
            if state.epoch == epoch && state.records.count < Self.capacity { state.records[id] = loaded }
        }
        return loaded
    }

    /// Forgets every record: tokens changed.
    func invalidate() {
        state.withLock { state in
            state.records.removeAll()
            state.epoch &+= 1
        }
    }
}
