import CofferCrypto
import CofferStore
import Resolver
import Synchronization

/// The scanner for the values a node keeps, made once per secret table generation (a change
/// of values, a leak mark, a rollback or a trimmed history all install a new one) and shared
/// by every scan until the next. Scans that come while it is made wait for the same one.
final class ValueScanners: Sendable {
    private struct Built {
        let generation: UInt64
        let scanner: ValueScanner
    }

    private let built = Mutex<Built?>(nil)

    /// The scanner for `generation`, made from `keyspace`'s kept versions if it is not yet.
    func scanner(generation: UInt64, keyspace: Keyspace) throws -> ValueScanner {
        try built.withLock { built in
            if let built, built.generation == generation { return built.scanner }
            var values: [(subject: ScanSubject, value: SecretValue)] = []
            for kept in try keyspace.keptValues() {
                let plaintext = try Envelope.open(kept.sealed, name: kept.name, version: kept.version, with: keyspace.masterKey)
                let state: ScanSubject.State = kept.isCompromised ? .compromised : kept.isCurrent ? .current : .previous
                values.append((ScanSubject(name: kept.name, version: kept.version, state: state),
                               try plaintext.withUnsafeBytes { try SecretValue(copying: $0, version: kept.version) }))
            }
            let scanner = ValueScanner(values)
            // The values are copied into the scanner; dropping the old one zeroes its copies.
            built = Built(generation: generation, scanner: scanner)
            return scanner
        }
    }
}
