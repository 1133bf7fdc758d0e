import CofferStore
import Resolver
import Testing
@testable import CofferNode

/// The views of the secret table renders use: one per token and per set of secrets a
/// destination may receive, so a caller naming a new host on every render makes no new view.
@Suite("Render tables")
struct RenderTablesTests {
    static func table() throws -> SecretTable {
        let catalog = SecretCatalog(hashSeed: 7)
        return try catalog.replaceAll(with: [("Stripe", try SecretValue(Array("s".utf8))), ("Free", try SecretValue(Array("f".utf8)))],
                                      generation: 3)
    }

    static let token = TokenRecord(id: "t", role: .render, name: "t", hash: [1], createdAt: 0, createdBy: .system)

    @Test func destinationsThatReachTheSameSecretsShareOneView() throws {
        let current = try Self.table()
        var hosts = SecretHosts()
        hosts.set("Stripe", ["api.stripe.com", "*.stripe.com"])
        let tables = RenderTables()
        let elsewhere = tables.table(for: Self.token, to: Destination(url: "https://evil.example/"), current: current, hosts: hosts)
        for index in 0..<(2 * RenderTables.capacity) {
            let other = tables.table(for: Self.token, to: Destination(url: "https://h\(index).example/"), current: current, hosts: hosts)
            #expect(other === elsewhere)
        }
        let stripe = tables.table(for: Self.token, to: Destination(url: "https://api.stripe.com/"), current: current, hosts: hosts)
        #expect(stripe !== elsewhere)
        #expect(tables.table(for: Self.token, to: Destination(url: "https://files.stripe.com/"), current: current, hosts: hosts) === stripe)
        #expect(tables.table(for: Self.token, to: nil, current: current, hosts: hosts) === elsewhere)
    }

    @Test func aListThatCannotBeReadLetsTheSecretGoNowhere() throws {
        var hosts = SecretHosts()
        hosts.set("Stripe", ["not a host/"])
        #expect(!hosts.allows("Stripe", to: Destination(url: "https://api.stripe.com/")))
        #expect(hosts.allows("Free", to: nil))
        let unreadable = SecretHosts(unreadable: true)
        #expect(!unreadable.allows("Free", to: Destination(url: "https://api.stripe.com/")))
        let view = RenderTables().table(for: Self.token, to: Destination(url: "https://api.stripe.com/"), current: try Self.table(),
                                        hosts: unreadable)
        #expect(throws: TemplateError.self) {
            try Array("{{Secrets.Free}}".utf8).withUnsafeBytes { _ = try view.render($0, delimiters: .braces, placement: .body) }
        }
    }
}
