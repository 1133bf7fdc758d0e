@testable import CofferAPI
import Foundation
import Testing

/// `since` of a usage question: a duration back from now or a time, never a number that traps.
@Suite("Usage since")
struct UsageSinceTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func durationsAndTimes() throws {
        #expect(try UsageRoute.since("24h", now: Self.now) == 1_800_000_000_000 - 86_400_000)
        #expect(try UsageRoute.since("2026-12-01T00:00:00Z", now: Self.now) == 1_796_083_200_000)
        #expect(try UsageRoute.since("2026-12-01T00:00:00.250+01:00", now: Self.now) == 1_796_079_600_250)
        #expect(try UsageRoute.since("3650d", now: Self.now) >= 0)
    }

    @Test(arguments: ["200000000000d", "3651d", "0s", "-1h", "yesterday", "1969-12-31T23:59:59Z", ""])
    func anythingElseIsRefused(text: String) {
        #expect(throws: APIError.self) { try UsageRoute.since(text, now: Self.now) }
    }
}
