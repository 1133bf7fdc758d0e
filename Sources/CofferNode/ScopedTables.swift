import CofferStore
import Resolver
import Synchronization

/// The secret table each scoped token renders with: the current generation restricted to its
/// scope, made once per (token, generation) and kept, so a scoped render costs what an
/// unscoped one does. Out-of-scope names are then unknown on every render path.
final class ScopedTables: Sendable {
    /// More scoped tokens than this in use between two generations start the cache over.
    static let capacity = 1_024
    private let tables = Mutex<[String: SecretTable]>([:])

    func table(for token: TokenRecord, current: SecretTable) -> SecretTable {
        guard !token.scope.isEmpty else { return current }
        if let kept = tables.withLock({ $0[token.id] }), kept.generation == current.generation { return kept }
        let patterns = token.patterns
        let restricted = current.restricted { name in patterns.contains { $0.matches(name) } }
        tables.withLock { tables in
            if tables.count >= Self.capacity { tables.removeAll() }
            tables[token.id] = restricted
        }
        return restricted
    }
}
