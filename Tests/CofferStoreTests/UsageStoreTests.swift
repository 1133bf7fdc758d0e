import CofferStore
import Foundation
import Testing

/// The node's own usage trail on disk: lines add up, are read by secret from a minute on,
/// and the oldest go first, by age or by count.
@Suite("Usage store")
struct UsageStoreTests {
    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("coffer-usage-\(UUID())").path
    }

    static func key(_ name: String, minute: Int64, version: UInt64 = 1, token: String = "tok", client: String = "127.0.0.1",
                    outcome: UsageOutcome = .rendered) -> UsageKey {
        UsageKey(name: name, minute: minute, version: version, tokenID: token, client: client, outcome: outcome)
    }

    @Test func linesAddUpAndReadBackBySecret() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try UsageStore(directory: directory)
        let first = Self.key("stripe_key", minute: 100)
        let refused = Self.key("stripe_key", minute: 101, version: 2, token: "other", client: "::1", outcome: .destination)
        try store.add([first: UsageTally(count: 3, first: 6_000_000, last: 6_000_500),
                       refused: UsageTally(count: 1, first: 6_060_000, last: 6_060_000),
                       Self.key("stripe_keys", minute: 100): UsageTally(count: 9, first: 1, last: 1)])
        try store.add([first: UsageTally(count: 2, first: 5_999_000, last: 6_001_000)])
        let lines = try store.lines(of: "Stripe_Key", sinceMinute: 0, limit: 100)
        #expect(lines.map(\.key) == [first, refused], "a longer name that shares the prefix is another secret")
        #expect(lines.first?.tally == UsageTally(count: 5, first: 5_999_000, last: 6_001_000))
        #expect(try store.lines(of: "stripe_key", sinceMinute: 101, limit: 100).map(\.key) == [refused])
        #expect(try store.lines(of: "nothing", sinceMinute: 0, limit: 100).isEmpty)
        // Reopened, the lines are still there.
        let again = try UsageStore(directory: directory)
        #expect(try again.lines(of: "stripe_key", sinceMinute: 0, limit: 1).count == 1)
    }

    @Test func theOldestMinutesGoFirst() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try UsageStore(directory: directory)
        var lines: [UsageKey: UsageTally] = [:]
        for minute in Int64(1)...50 {
            for token in ["a", "b"] { lines[Self.key("k\(minute % 3)", minute: minute, token: token)] = UsageTally(count: 1, first: 0, last: 0) }
        }
        try store.add(lines)
        #expect(try store.lineCount() == 100)
        #expect(try store.prune(beforeMinute: 11, maxLines: 1_000) == 20, "minutes 1 to 10, past retention")
        #expect(try store.prune(beforeMinute: 11, maxLines: 50) == 30, "then the oldest until 50 are left")
        #expect(try store.lineCount() == 50)
        let kept = (0..<3).flatMap { try! store.lines(of: "k\($0)", sinceMinute: 0, limit: 1_000) }
        #expect(kept.count == 50 && kept.allSatisfy { $0.key.minute >= 26 })
        #expect(try store.prune(beforeMinute: 0, maxLines: 1_000) == 0)
    }
}
