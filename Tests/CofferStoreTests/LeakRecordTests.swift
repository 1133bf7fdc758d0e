import CofferStore
import Testing

/// A leak report as the keyspace applies it: one entry rotates, marks the version before
/// compromised and revokes the listed tokens.
@Suite("Leak reports")
struct LeakRecordTests {
    @Test func oneEntryRotatesMarksAndRevokes() throws {
        let store = try TemporaryKeyspace()
        let alice = TokenRecord(id: "t1", role: .admin, name: "alice", hash: [1], createdAt: 0, createdBy: .system)
        let gateway = TokenRecord(id: "gw", role: .render, name: "gateway", hash: [2], createdAt: 0, createdBy: .system)
        try store.apply(.initialize(tokens: [alice, gateway], tokenApprovals: 1))
        try store.apply(.createSecret(name: "Key", value: try store.seal("1", "Key", 1), at: 5, by: admin))
        let leak = Command.reportLeak(id: "rot_1", items: [RotationItem(name: "key", version: 2, value: try store.seal("2", "Key", 2))],
                                      reason: "in a public repository", revokeTokens: ["gw", "gone"], at: 9, by: admin)
        // The entry reads back as written.
        var writer = ByteWriter()
        leak.write(to: &writer)
        var reader = ByteReader(writer.bytes)
        #expect(try Command(reading: &reader) == leak)

        guard case .success(.secretsRotated(let records)) = try store.apply(leak)[0] else {
            Issue.record("the leak was not applied")
            return
        }
        #expect(records.map(\.currentVersion) == [2])
        let versions = try #require(try store.keyspace.secretWithHistory(named: "KEY")).versions
        #expect(versions[0].compromise == Compromise(at: 9, by: admin, reason: "in a public repository"))
        #expect(versions[1].compromise == nil)
        #expect(try store.keyspace.token(id: "gw") == nil && store.keyspace.token(id: "t1") != nil)
        let trail = try store.keyspace.audit().map { "\($0.action) \($0.target) \($0.version.map(String.init) ?? "-")" }
        #expect(trail.suffix(3) == ["secret.rotate Key 2", "secret.leak Key 1", "token.revoke gw (rendered a leaked version, rot_1) -"])
        // A scoped admin's report revokes no token that reaches further than it does.
        let scoped = TokenRecord(id: "pay", role: .admin, name: "pay", hash: [3], createdAt: 10, createdBy: Actor(tokenID: "t1", name: "alice"),
                                 scope: ["Key*"])
        let wide = TokenRecord(id: "wide", role: .render, name: "wide", hash: [4], createdAt: 10, createdBy: Actor(tokenID: "t1", name: "alice"))
        try store.apply(.createToken(scoped), .createToken(wide))
        _ = try store.apply(.reportLeak(id: "rot_3", items: [RotationItem(name: "Key", version: 3, value: try store.seal("3", "Key", 3))],
                                        reason: "again", revokeTokens: ["wide"], at: 11, by: Actor(tokenID: "pay", name: "pay")))
        #expect(try store.keyspace.token(id: "wide") != nil)
        #expect(try store.keyspace.secret(named: "Key")?.currentVersion == 3)

        // A reason on two lines changes nothing.
        let bad = Command.reportLeak(id: "rot_2", items: [RotationItem(name: "Key", version: 4, value: try store.seal("4", "Key", 4))],
                                     reason: "a\nb", revokeTokens: [], at: 10, by: admin)
        guard case .failure(.invalidRequest) = try store.apply(bad)[0] else {
            Issue.record("a reason on two lines was taken")
            return
        }
        #expect(try store.keyspace.secret(named: "Key")?.currentVersion == 3)
    }
}

@Suite("Kept versions setting")
struct KeptVersionsTests {
    private static func keptVersions(_ store: TemporaryKeyspace) throws -> [UInt64] {
        try store.keyspace.keptVersions(named: "A")
    }

    @Test func lowerDropsOlderValuesAtOnceAndRotationsKeepTheSetCount() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("1", "A", 1), at: 1, by: admin))
        for version: UInt64 in 2...5 {
            try store.apply(.rotateSecrets(id: "r\(version)", items: [RotationItem(name: "A", version: version,
                                                                                   value: try store.seal("\(version)", "A", version))],
                                           at: 2, by: admin))
        }
        #expect(try Self.keptVersions(store) == [1, 2, 3, 4, 5])
        #expect(try store.apply(.setKeptVersions(2, at: 3, by: admin)) == [.success(.settingsChanged(ClusterSettings(keptVersions: 2)))])
        #expect(try Self.keptVersions(store) == [4, 5])
        #expect(try store.keyspace.audit().last.map { "\($0.action) \($0.target)" } == "cluster.kept_versions 2")
        try store.apply(.rotateSecrets(id: "r6", items: [RotationItem(name: "A", version: 6, value: try store.seal("6", "A", 6))],
                                       at: 4, by: admin))
        #expect(try Self.keptVersions(store) == [5, 6])
        // Raising keeps what is there and lets the history grow again.
        try store.apply(.setKeptVersions(4, at: 5, by: admin))
        try store.apply(.rotateSecrets(id: "r7", items: [RotationItem(name: "A", version: 7, value: try store.seal("7", "A", 7))],
                                       at: 6, by: admin))
        #expect(try Self.keptVersions(store) == [5, 6, 7])
        #expect(try store.keyspace.settings().keptVersions == 4)
    }

    @Test func compromisedValuesAreKeptWhateverTheSetting() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("1", "A", 1), at: 1, by: admin),
                        .setKeptVersions(1, at: 1, by: admin))
        try store.apply(.reportLeak(id: "l2", items: [RotationItem(name: "A", version: 2, value: try store.seal("2", "A", 2))],
                                    reason: "leaked", revokeTokens: [], at: 2, by: admin))
        #expect(try Self.keptVersions(store) == [1, 2], "the leaked version stays for scans")
        try store.apply(.rotateSecrets(id: "r3", items: [RotationItem(name: "A", version: 3, value: try store.seal("3", "A", 3))],
                                       at: 3, by: admin))
        #expect(try Self.keptVersions(store) == [1, 3])
        try store.apply(.setKeptVersions(3, at: 4, by: admin), .setKeptVersions(1, at: 5, by: admin))
        #expect(try Self.keptVersions(store) == [1, 3])
        #expect(try store.keyspace.keptValues().map { "\($0.version) \($0.isCompromised) \($0.isCurrent)" } == ["1 true false", "3 false true"])
    }

    @Test func outOfRangeIsRefusedAndChangesNothing() throws {
        let store = try TemporaryKeyspace()
        for count in [0, 101] {
            #expect(try store.apply(.setKeptVersions(count, at: 1, by: admin)) == [.failure(.invalidRequest("kept versions must be 1 to 100"))])
        }
        #expect(try store.keyspace.settings() == ClusterSettings())
    }
}
