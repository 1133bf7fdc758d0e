import CofferStore
import Dispatch
import Logging
import Synchronization

/// Who used which secret: every render counted in memory by (secret, version, token, client,
/// outcome, minute) and written to the node's usage store once a second and at shutdown. A
/// render pays for a few dictionary updates under a lock, never for a disk write; a
/// `kill -9` loses at most the last second of counts.
public final class UsageTrail: Sendable {
    public struct Settings: Codable, Sendable, Equatable {
        /// Whether renders are counted at all.
        public var enabled: Bool
        /// How long lines are kept.
        public var retentionDays: Int
        /// The most lines kept (up to `UsageStore.maxLines`); past it the oldest minutes go first.
        public var maxLines: Int

        public init(enabled: Bool = true, retentionDays: Int = 30, maxLines: Int = 5_000_000) {
            self.enabled = enabled
            self.retentionDays = retentionDays
            self.maxLines = maxLines
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Settings()
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
            retentionDays = try container.decodeIfPresent(Int.self, forKey: .retentionDays) ?? defaults.retentionDays
            maxLines = try container.decodeIfPresent(Int.self, forKey: .maxLines) ?? defaults.maxLines
        }

        public func validate() throws {
            guard (1...3_650).contains(retentionDays) else { throw ServiceError.invalid("usage.retentionDays is 1 to 3650") }
            guard (1_000...UsageStore.maxLines).contains(maxLines) else {
                throw ServiceError.invalid("usage.maxLines is 1000 to \(UsageStore.maxLines)")
            }
        }
    }

    let settings: Settings
    let store: UsageStore?
    /// Whether renders are counted (the node's setting).
    public var isOn: Bool { store != nil }
    private let pending = Mutex<[UsageKey: UsageTally]>([:])
    /// Held while counts move from memory to the store, and while a question reads both, so
    /// a question sees each count exactly once.
    private let moving = Mutex(())
    private let running = Mutex(false)
    private let queue = DispatchQueue(label: "coffer.usage-trail")
    private let logger: Logger

    init(directory: String, settings: Settings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        store = settings.enabled ? try UsageStore(directory: directory) : nil
    }

    /// Counts one render's secrets with one outcome.
    func record(_ secrets: [(name: String, version: UInt64)], token: String, client: String, outcome: UsageOutcome, at now: Int64) {
        guard store != nil, !secrets.isEmpty else { return }
        let minute = now / 60_000
        let once = UsageTally(count: 1, first: now, last: now)
        pending.withLock { pending in
            for secret in secrets {
                let key = UsageKey(name: secret.name.lowercased(), minute: minute, version: secret.version, tokenID: token,
                                   client: client, outcome: outcome)
                pending.add(once, at: key)
            }
        }
    }

    /// Starts writing once a second (and dropping what is past retention once a minute).
    func start() {
        guard store != nil, !running.withLock({ let was = $0; $0 = true; return was }) else { return }
        scheduleFlush(after: 1)
    }

    /// Writes what is counted; called at shutdown too.
    func stop() {
        running.withLock { $0 = false }
        queue.sync { flush() }
    }

    private func scheduleFlush(after tick: Int) {
        queue.asyncAfter(deadline: .now() + .seconds(1)) { [self] in
            guard running.withLock({ $0 }) else { return }
            flush()
            scheduleFlush(after: tick &+ 1)
        }
    }

    /// Moves the counts in memory to the store, then drops what is past retention or the cap
    /// (on the trail's queue, so the cap holds within a second).
    func flush() {
        guard let store else { return }
        moving.withLock { _ in
            let lines = pending.withLock { pending in
                let taken = pending
                pending.removeAll(keepingCapacity: true)
                return taken
            }
            do { try store.add(lines) } catch {
                // Kept for the next second, unless that would let memory grow without bound.
                let kept = pending.withLock { pending in
                    guard pending.count + lines.count <= Self.maxPendingLines else { return false }
                    for (key, tally) in lines { pending.add(tally, at: key) }
                    return true
                }
                logger.error("cannot write the usage trail", metadata: ["lines": "\(lines.count)", "kept": "\(kept)", "error": "\(error)"])
            }
        }
        let cutoff = (Node.now() / 60_000) - Int64(settings.retentionDays) * 24 * 60
        do { try store.prune(beforeMinute: cutoff, maxLines: settings.maxLines) } catch {
            logger.error("cannot prune the usage trail", metadata: ["error": "\(error)"])
        }
    }

    /// Counts kept in memory when the store cannot take them, at most.
    static let maxPendingLines = 1_000_000

    /// This node's lines of the secret `name` from `sinceMinute` on, stored and still in memory.
    func lines(of name: String, sinceMinute: Int64, limit: Int) throws -> [(key: UsageKey, tally: UsageTally)] {
        guard let store else { return [] }
        let folded = name.lowercased()
        var merged: [UsageKey: UsageTally] = [:]
        try moving.withLock { _ in
            for line in try store.lines(of: folded, sinceMinute: sinceMinute, limit: limit) { merged[line.key] = line.tally }
            pending.withLock { pending in
                for (key, tally) in pending where key.name == folded && key.minute >= sinceMinute {
                    merged.add(tally, at: key)
                }
            }
        }
        return merged.map { ($0.key, $0.value) }.sorted { ($0.key.minute, $0.tally.first) < ($1.key.minute, $1.tally.first) }
    }
}
