import CofferStore
import Testing

/// What a token may reach: the secret patterns, networks and lifetimes it is made with, and
/// that no token makes one broader than itself.
@Suite("Token scope")
struct TokenScopeTests {
    @Test(arguments: [
        ("Payments*", "payments_key", true), ("Payments*", "Payments", true), ("Payments*", "MyPayments", false),
        ("*_EU", "Stripe_EU", true), ("*_EU", "Stripe_EUR", false), ("Webhook_Prod", "WEBHOOK_PROD", true),
        ("Webhook_Prod", "Webhook_Prod2", false), ("*", "anything", true), ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXcYYb", false), ("**", "x", true),
    ])
    func patternsMatchNamesCaseInsensitively(pattern: String, name: String, matches: Bool) throws {
        #expect(try #require(NamePattern(pattern)).matches(name) == matches)
    }

    @Test func invalidPatternsAreRefused() {
        for bad in ["", "a b", "a.b", "a/*", String(repeating: "a", count: 129), "é*", "Secrets.A"] {
            #expect(NamePattern(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: [
        ("Pay*", "Payments*", true), ("Pay*", "Pay", true), ("Payments*", "Pay*", false), ("*", "a*b", true),
        ("*_EU", "Stripe_EU", true), ("*_EU", "*", false), ("A*C", "AB*C", true), ("A*C", "A*", false),
        ("Webhook", "Webhook", true), ("Webhook", "Webhook*", false),
    ])
    func aPatternCoversOnlyWhatItMatches(outer: String, inner: String, covers: Bool) throws {
        #expect(try #require(NamePattern(outer)).covers(try #require(NamePattern(inner))) == covers)
    }

    @Test func networksParseContainAndCover() throws {
        let tenSlash8 = try #require(NetworkRange("10.0.0.0/8"))
        #expect(tenSlash8.contains("10.1.2.3") && !tenSlash8.contains("11.0.0.1") && !tenSlash8.contains("127.0.0.1"))
        #expect(tenSlash8.contains("::ffff:10.9.9.9"), "an IPv4 client seen as IPv4-mapped IPv6")
        #expect(try #require(NetworkRange("10.1.2.3/8")).description == "10.0.0.0/8", "kept as the range's first address")
        let v6 = try #require(NetworkRange("2001:db8::/32"))
        #expect(v6.contains("2001:db8:1::5") && !v6.contains("2001:db9::1") && !v6.contains("10.0.0.1"))
        #expect(tenSlash8.covers(try #require(NetworkRange("10.4.0.0/16"))))
        let tenFour = try #require(NetworkRange("10.4.0.0/16"))
        #expect(!tenFour.covers(tenSlash8))
        #expect(!tenSlash8.covers(v6))
        #expect(try #require(NetworkRange("0.0.0.0/0")).contains("192.168.1.1"))
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "::1/129", "host/8", "10.0.0.0/08", "10.0.0.0/+8", ""] {
            #expect(NetworkRange(bad) == nil, "\(bad)")
        }
    }

    static func token(_ id: String, scope: [String] = [], expiresAt: Int64? = nil, networks: [String] = [],
                      by: String = "a", role: Role = .render) -> TokenRecord {
        TokenRecord(id: id, role: role, name: id, hash: [1], createdAt: 10, createdBy: Actor(tokenID: by, name: by),
                    scope: scope, expiresAt: expiresAt, networks: networks)
    }

    @Test func noTokenIsMadeBroaderThanItsMaker() throws {
        let store = try TemporaryKeyspace()
        let maker = TokenRecord(id: "a", role: .admin, name: "a", hash: [1], createdAt: 0, createdBy: .system,
                                scope: ["Pay*"], expiresAt: 1_000, networks: ["10.0.0.0/8"])
        #expect(try store.apply(.initialize(tokens: [maker], tokenApprovals: 1)) == [.success(.bootstrapped)])
        let broader = [
            Self.token("all", expiresAt: 500, networks: ["10.0.0.0/16"]),
            Self.token("wider", scope: ["P*"], expiresAt: 500, networks: ["10.0.0.0/16"]),
            Self.token("forever", scope: ["Payments"], networks: ["10.0.0.0/16"]),
            Self.token("later", scope: ["Payments"], expiresAt: 2_000, networks: ["10.0.0.0/16"]),
            Self.token("anywhere", scope: ["Payments"], expiresAt: 500),
            Self.token("elsewhere", scope: ["Payments"], expiresAt: 500, networks: ["11.0.0.0/8"]),
        ]
        for token in broader {
            guard case .failure(.forbidden) = try store.apply(.createToken(token))[0] else {
                Issue.record("\(token.id) was made broader than its maker")
                continue
            }
        }
        let narrower = Self.token("narrow", scope: ["Payments*", "pay_eu"], expiresAt: 1_000, networks: ["10.2.0.0/16"])
        #expect(try store.apply(.createToken(narrower))[0].isSuccess)
        #expect(try store.keyspace.token(id: "narrow")?.scope == ["Payments*", "pay_eu"])
        #expect(try store.keyspace.audit().last?.target == "narrow (render; secrets Payments*,pay_eu; ttl 0s; networks 10.2.0.0/16)")

        // Past its time the maker makes nothing.
        let late = TokenRecord(id: "late", role: .audit, name: "late", hash: [1], createdAt: 1_000, createdBy: Actor(tokenID: "a", name: "a"),
                               scope: ["Pay"], expiresAt: 1_000, networks: ["10.0.0.0/8"])
        guard case .failure(.forbidden) = try store.apply(.createToken(late))[0] else {
            Issue.record("an expired token made a token")
            return
        }
    }

    @Test func aClusterCapsTheLifetimeOfNewTokens() throws {
        let store = try TemporaryKeyspace()
        let first = TokenRecord(id: "a", role: .admin, name: "a", hash: [1], createdAt: 0, createdBy: .system)
        _ = try store.apply(.initialize(tokens: [first], tokenApprovals: 1))
        #expect(try store.apply(.setMaxTokenTTL(seconds: 3_600, at: 1, by: Actor(tokenID: "a", name: "a")))
            == [.success(.settingsChanged(ClusterSettings(maxTokenTTLSeconds: 3_600)))])
        for (id, expiresAt) in [("forever", nil), ("too-long", 10 + 3_600_001)] as [(String, Int64?)] {
            guard case .failure(.forbidden) = try store.apply(.createToken(Self.token(id, expiresAt: expiresAt)))[0] else {
                Issue.record("\(id) was made past the cap")
                continue
            }
        }
        #expect(try store.apply(.createToken(Self.token("hour", expiresAt: 10 + 3_600_000)))[0].isSuccess)
        #expect(try store.keyspace.audit().first?.action == "cluster.max_token_ttl")
        _ = try store.apply(.setMaxTokenTTL(seconds: nil, at: 2, by: Actor(tokenID: "a", name: "a")))
        #expect(try store.apply(.createToken(Self.token("forever")))[0].isSuccess)
        guard case .failure(.invalidRequest) = try store.apply(.setMaxTokenTTL(seconds: 0, at: 3, by: Actor(tokenID: "a", name: "a")))[0] else {
            Issue.record("a cap of zero was taken")
            return
        }
    }

    @Test func scopeExpiryAndNetworksSurviveTheBinaryForm() throws {
        let token = Self.token("s", scope: ["A*", "B"], expiresAt: 99, networks: ["10.0.0.0/8", "::1/128"])
        var writer = ByteWriter()
        Command.createToken(token).write(to: &writer)
        var reader = ByteReader(writer.bytes)
        #expect(try Command(reading: &reader) == .createToken(token))
        #expect(token.allows(secret: "abc") && token.allows(secret: "b") && !token.allows(secret: "c"))
        #expect(token.isExpired(at: 99) && !token.isExpired(at: 98))
        #expect(token.admits(client: "10.3.3.3") && token.admits(client: "::1") && !token.admits(client: "127.0.0.1"))
        #expect(!token.admits(client: nil))
    }

    /// A scoped admin answers for its own secrets: it revokes and approves no token that
    /// reaches further than it does (checked when applied, so every node agrees).
    @Test func aScopedAdminRevokesAndApprovesOnlyWithinItsScope() throws {
        let store = try TemporaryKeyspace()
        let first = ["a", "b"].map { TokenRecord(id: $0, role: .admin, name: $0, hash: [1], createdAt: 0, createdBy: .system) }
        _ = try store.apply(.initialize(tokens: first, tokenApprovals: 1))
        for token in [Self.token("pay-admin", scope: ["Pay*"], by: "b", role: .admin), Self.token("all"),
                      Self.token("payments", scope: ["Payments"])] {
            #expect(try store.apply(.createToken(token))[0].isSuccess, "\(token.id)")
        }
        let payAdmin = Actor(tokenID: "pay-admin", name: "pay-admin")
        guard case .failure(.forbidden) = try store.apply(.revokeToken(id: "all", at: 20, by: payAdmin))[0] else {
            Issue.record("a scoped admin revoked a token for every secret")
            return
        }
        #expect(try store.keyspace.token(id: "all") != nil)
        #expect(try store.apply(.revokeToken(id: "payments", at: 21, by: payAdmin)) == [.success(.tokenRevoked("payments"))])

        // Under the two-person rule, the scoped admin (of b's line) approves only what it reaches.
        _ = try store.apply(.setTokenApprovals(2, at: 22, by: Actor(tokenID: "a", name: "a")))
        _ = try store.apply(.createToken(Self.token("wide", by: "a")), .createToken(Self.token("narrow", scope: ["Pay_EU"], by: "a")))
        guard case .failure(.forbidden) = try store.apply(.approveToken(id: "wide", at: 30, by: payAdmin))[0] else {
            Issue.record("a scoped admin approved a token for every secret")
            return
        }
        #expect(try store.apply(.approveToken(id: "narrow", at: 31, by: payAdmin))[0].isSuccess)
        #expect(try store.apply(.approveToken(id: "wide", at: 32, by: Actor(tokenID: "b", name: "b")))[0].isSuccess)

        // Revoked while its next request was on the way, it revokes nothing more.
        #expect(try store.apply(.revokeToken(id: "pay-admin", at: 33, by: payAdmin))[0].isSuccess)
        guard case .failure(.forbidden) = try store.apply(.revokeToken(id: "narrow", at: 34, by: payAdmin))[0] else {
            Issue.record("a revoked admin revoked a token")
            return
        }
    }

    /// A scoped audit token pages through a trail mostly of other secrets: each page is
    /// bounded in what it reads, says where to go on, and never splits one entry's lines.
    @Test func aFilteredTrailPagesOnPastWhatItSkips() throws {
        let store = try TemporaryKeyspace()
        var expected: [String] = []
        for index in 0..<40 {
            let name = index % 10 == 0 ? "Pay\(index)" : "Other\(index)"
            try store.apply(.createSecret(name: name, value: try store.seal("v", name, 1), at: 1, by: admin))
            if name.hasPrefix("Pay") { expected.append(name) }
        }
        // One entry, three lines: a rotation of three secrets, two of them in scope.
        try store.apply(.rotateSecrets(id: "rot", items: try ["Pay0", "Other1", "Pay10"].map { name in
            RotationItem(name: name, version: 2, value: try store.seal("w", name, 2))
        }, at: 2, by: admin))
        expected += ["Pay0", "Pay10"]
        let pay = try #require(NamePattern("Pay*"))
        var seen: [String] = []
        var after: UInt64 = 0
        var pages = 0
        while true {
            let page = try store.keyspace.auditPage(after: after, limit: 1, budget: 5) { pay.matches($0.target) }
            seen += page.events.map(\.target)
            pages += 1
            guard let next = page.next else { break }
            #expect(next > after)
            after = next
        }
        #expect(seen == expected)
        #expect(pages > 5, "the budget bounds each page")
        let whole = try store.keyspace.auditPage(after: 40, limit: 1)
        #expect(whole.events.count == 3 && whole.next == nil, "the rotation's three lines come together")
    }
}
