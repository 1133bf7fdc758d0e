import CofferStore
import Resolver
import Synchronization

/// Where each secret with a host list may be sent, by folded name, and a version that moves
/// whenever a list changes. A list whose patterns cannot be read lets the secret go nowhere;
/// lists that could not be read at all let no secret go anywhere.
struct SecretHosts: Sendable {
    var version: UInt64 = 0
    var patterns: [String: [HostPattern]] = [:]
    /// Set when the lists could not be loaded from the keyspace: every render fails closed.
    var unreadable = false

    /// Whether a render must look at its destination at all.
    var checksDestinations: Bool { unreadable || !patterns.isEmpty }

    /// Whether the secret `name` may go to `destination` (nil: not known).
    func allows(_ name: String, to destination: Destination?) -> Bool {
        guard !unreadable else { return false }
        guard let folded = SecretName.folded(name), let list = patterns[folded] else { return true }
        guard let destination else { return false }
        return list.contains { $0.matches(destination) }
    }

    func has(_ name: String) -> Bool {
        SecretName.folded(name).map { patterns[$0] != nil } ?? false
    }

    /// Which of the secrets with lists may go to `destination`, as a short key: destinations
    /// with the same key may share a view of the table.
    func reach(to destination: Destination?) -> String {
        guard !unreadable else { return "none" }
        var words: [UInt64] = []
        for (offset, name) in patterns.keys.sorted().enumerated() {
            if offset % 64 == 0 { words.append(0) }
            if destination.map({ destination in patterns[name]!.contains { $0.matches(destination) } }) ?? false {
                words[words.count - 1] |= 1 << UInt64(offset % 64)
            }
        }
        return words.map { String($0, radix: 16) }.joined(separator: ".")
    }

    mutating func set(_ name: String, _ hosts: [String]) {
        guard let folded = SecretName.folded(name) else { return }
        // Patterns were checked when written; one that no longer reads matches nothing.
        patterns[folded] = hosts.isEmpty ? nil : hosts.compactMap(HostPattern.init)
        version &+= 1
    }
}

/// The secret table a render uses: the current generation restricted to the token's scope
/// and to the secrets that may go to the request's destination. Each such view is made once
/// per (token, secrets the destination may receive, generation, host lists) and kept, so the
/// checks cost a render nothing per byte; with no scope and no host lists it is the current
/// table itself. Destinations are keyed by what they may receive, so a caller naming a new
/// host on every render makes no new views.
final class RenderTables: Sendable {
    /// More views (or destinations) than this between two generations start the cache over.
    static let capacity = 1_024

    private struct View {
        let generation: UInt64
        let hostsVersion: UInt64
        let table: SecretTable
    }

    private struct Reaches {
        var hostsVersion: UInt64 = .max
        var byDestination: [Destination?: String] = [:]
    }

    private let views = Mutex<[String: View]>([:])
    private let reaches = Mutex(Reaches())

    func table(for token: TokenRecord, to destination: Destination?, current: SecretTable, hosts: SecretHosts) -> SecretTable {
        let checksHosts = hosts.checksDestinations
        guard !token.scope.isEmpty || checksHosts else { return current }
        let key = (token.scope.isEmpty ? "" : token.id) + "|" + (checksHosts ? reach(to: destination, hosts) : "")
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

    private func reach(to destination: Destination?, _ hosts: SecretHosts) -> String {
        if let kept = reaches.withLock({ $0.hostsVersion == hosts.version ? $0.byDestination[destination] : nil }) { return kept }
        let reach = hosts.reach(to: destination)
        reaches.withLock { reaches in
            if reaches.hostsVersion != hosts.version || reaches.byDestination.count >= Self.capacity {
                reaches = Reaches(hostsVersion: hosts.version)
            }
            reaches.byDestination[destination] = reach
        }
        return reach
    }
}
