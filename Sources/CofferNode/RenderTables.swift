import CofferStore
import Resolver
import Synchronization

/// Where each secret with a host list may be sent, by folded name, and a version that moves
/// whenever a list changes.
struct SecretHosts: Sendable {
    var version: UInt64 = 0
    var patterns: [String: [HostPattern]] = [:]

    /// Whether the secret `name` may go to `destination` (nil: not known).
    func allows(_ name: String, to destination: Destination?) -> Bool {
        guard let folded = SecretName.folded(name), let list = patterns[folded] else { return true }
        guard let destination else { return false }
        return list.contains { $0.matches(destination) }
    }

    func has(_ name: String) -> Bool {
        SecretName.folded(name).map { patterns[$0] != nil } ?? false
    }

    mutating func set(_ name: String, _ hosts: [String]) {
        guard let folded = SecretName.folded(name) else { return }
        let list = hosts.compactMap(HostPattern.init)
        if list.isEmpty { patterns[folded] = nil } else { patterns[folded] = list }
        version &+= 1
    }
}

/// The secret table a render uses: the current generation restricted to the token's scope
/// and to the secrets that may go to the request's destination. Each such view is made once
/// per (token, destination, generation, host lists) and kept, so the checks cost a render
/// nothing per byte; with no scope and no host lists it is the current table itself.
final class RenderTables: Sendable {
    /// More views than this between two generations start the cache over.
    static let capacity = 1_024

    private struct View {
        let generation: UInt64
        let hostsVersion: UInt64
        let table: SecretTable
    }

    private let views = Mutex<[String: View]>([:])

    func table(for token: TokenRecord, to destination: Destination?, current: SecretTable, hosts: SecretHosts) -> SecretTable {
        let checksHosts = !hosts.patterns.isEmpty
        guard !token.scope.isEmpty || checksHosts else { return current }
        let key = (token.scope.isEmpty ? "" : token.id) + "|" + (checksHosts ? destination?.description ?? "?" : "")
        if let kept = views.withLock({ $0[key] }), kept.generation == current.generation, kept.hostsVersion == hosts.version {
            return kept.table
        }
        let patterns = token.patterns
        let restricted = current.restricted { name in
            (token.scope.isEmpty || patterns.contains { $0.matches(name) }) && hosts.allows(name, to: destination)
        }
        views.withLock { views in
            if views.count >= Self.capacity { views.removeAll() }
            views[key] = View(generation: current.generation, hostsVersion: hosts.version, table: restricted)
        }
        return restricted
    }
}
