import CofferCrypto
import CofferStore
import Resolver
import Synchronization

/// The scanner for the values a node keeps, made when a scan first needs it and shared by
/// every scan until a change to the kept values (a new value, a deletion, a leak mark, a
/// lower kept-versions setting, a snapshot) drops it: dropping it zeroes its copies of the
/// values at once, rather than at the next scan.
final class ValueScanners: Sendable {
    private struct State {
        /// Moves on every drop, so a scanner made from an older keyspace is not kept.
        var epoch: UInt64 = 0
        var scanner: ValueScanner?
    }

    private let state = Mutex(State())

    /// The changes `applied` made may concern kept values: forget the scanner.
    func drop() {
        let old = state.withLock { state -> ValueScanner? in
            state.epoch &+= 1
            defer { state.scanner = nil }
            return state.scanner
        }
        _ = old   // released here, outside the lock
    }

    /// The scanner for `keyspace`'s kept versions, made now if there is none. Made outside
    /// the lock: the driver thread drops scanners and must never wait for one to be made.
    func scanner(keyspace: Keyspace) throws -> ValueScanner {
        let (epoch, kept) = state.withLock { ($0.epoch, $0.scanner) }
        if let kept { return kept }
        var values: [(subject: ScanSubject, value: SecretValue)] = []
        for kept in try keyspace.keptValues() {
            let plaintext = try Envelope.open(kept.sealed, name: kept.name, version: kept.version, with: keyspace.masterKey)
            let state: ScanSubject.State = kept.isCompromised ? .compromised : kept.isCurrent ? .current : .previous
            values.append((ScanSubject(name: kept.name, version: kept.version, state: state),
                           try plaintext.withUnsafeBytes { try SecretValue(copying: $0, version: kept.version) }))
        }
        let scanner = ValueScanner(values)
        state.withLock { if $0.epoch == epoch, $0.scanner == nil { $0.scanner = scanner } }
        return scanner
    }
}

extension AppliedCommand {
    /// Whether applying this may have changed which values are kept, or their state.
    var changesKeptValues: Bool {
        switch result {
        case .success(.secretCreated), .success(.secretsRotated), .success(.secretDeleted), .success(.settingsChanged): true
        default: false
        }
    }
}
