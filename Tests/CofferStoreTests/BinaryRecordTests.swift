import CofferCrypto
import CofferStore
import Foundation
import Raft
import Testing

/// The binary forms that Raft entries and keyspace rows are written in: every command comes
/// back as it went in, bad bytes fail with an error (never a trap), and rows written as JSON
/// before the binary form are still read.
@Suite("Binary records")
struct BinaryRecordTests {
    static let master = MasterKey.generate()

    static func sealed(_ value: String, _ name: String, _ version: UInt64) throws -> SealedValue {
        try Array(value.utf8).withUnsafeBytes { try Envelope.seal($0, name: name, version: version, with: master) }
    }

    static func everyCommand() throws -> [Command] {
        let token = TokenRecord(id: "tk1", role: .render, name: "ci – renders", hash: Array(repeating: 7, count: 32),
                                createdAt: -5, createdBy: .system)
        let member = MemberRecord(id: "node4", peerAddress: "127.0.0.1:7004", apiAddress: "127.0.0.1:8004")
        let approved = TokenRecord(id: "tk2", role: .admin, name: "second", hash: Array(repeating: 3, count: 32),
                                   createdAt: 7, createdBy: admin, lineage: ["t1", "t0"], state: .approved(by: admin, at: 9))
        let waiting = TokenRecord(id: "tk3", role: .render, name: "", hash: [], createdAt: 8, createdBy: admin,
                                  lineage: ["t1"], state: .awaitingApproval)
        let items = [
            RotationItem(name: "A", version: 2, value: try sealed("new a", "A", 2)),
            RotationItem(name: "Bé", version: 9, value: try sealed("", "Bé", 9)),
        ]
        return [
            .createSecret(name: "Db_Password-1", value: try sealed("hunter2", "Db_Password-1", 1), at: 1_764_000_000_000, by: admin),
            .rotateSecrets(id: "rot-1", items: items, at: 2, by: admin),
            .rotateSecrets(id: "rot-empty", items: [], at: .max, by: .system),
            .rollbackSecrets(id: "rb-1", items: items, at: .min, by: admin),
            .reportLeak(id: "lk-1", items: items, reason: "found in a log", revokeTokens: ["tk1", "tk2"], at: 5, by: admin),
            .deleteSecret(name: "A", at: 3, by: admin),
            .createToken(token),
            .revokeToken(id: "tk1", at: 4, by: admin),
            .bootstrapTokens([token, token]),
            .setMember(member),
            .removeMember(id: "node4"),
            .auditMembership(action: "cluster.member_add", member: "node4", at: 7, by: admin),
            .auditScan(source: "app.log", bytes: 52_428_800, findings: 3, found: ["Key v1", "Other v4"], at: 8, by: admin),
            .auditTerm(term: 12, leader: "node2", at: 9),
            .setKeptVersions(3, at: 11, by: admin),
            .createToken(approved),
            .createToken(waiting),
            .initialize(tokens: [token, approved], tokenApprovals: 2),
            .approveToken(id: "tk3", at: 10, by: admin),
            .setTokenApprovals(1, at: .max, by: admin),
            .createSecretWithHosts(name: "Hosted", value: try sealed("h", "Hosted", 1), hosts: ["api.example.com", "*.example.com:8443"],
                                   at: 5, by: admin),
            .setSecretHosts(name: "Hosted", hosts: [], at: 6, by: admin),
            .setMaxTokenTTL(seconds: 3_600, at: 7, by: admin),
            .setMaxTokenTTL(seconds: nil, at: 8, by: admin),
        ]
    }

    static func encoded(_ command: Command) -> [UInt8] {
        var writer = ByteWriter()
        command.write(to: &writer)
        return writer.bytes
    }

    static func decoded(_ bytes: [UInt8]) throws -> Command {
        var reader = ByteReader(bytes)
        let command = try Command(reading: &reader)
        try reader.expectEnd()
        return command
    }

    @Test func everyCommandComesBackAsItWentIn() throws {
        for command in try Self.everyCommand() {
            #expect(try Self.decoded(Self.encoded(command)) == command)
        }
    }

    /// A log entry or snapshot row cut anywhere, or with bytes after its end, is an error.
    @Test func everyTruncationAndTrailingByteIsAnError() throws {
        for command in try Self.everyCommand() {
            let bytes = Self.encoded(command)
            for count in 0..<bytes.count {
                #expect(throws: DecodingFailure.self, "cut at \(count) of \(bytes.count)") {
                    try Self.decoded(Array(bytes[..<count]))
                }
            }
            #expect(throws: DecodingFailure.invalid("1 trailing bytes")) { try Self.decoded(bytes + [0]) }
        }
    }

    @Test func unknownTagsBadTextAndHugeLengthsAreErrors() throws {
        let delete = Self.encoded(.deleteSecret(name: "AB", at: 1, by: admin))
        for tag: UInt8 in [0, 21, 0xFF] {
            #expect(throws: DecodingFailure.invalid("command tag")) { try Self.decoded([tag] + delete.dropFirst()) }
        }
        var badUTF8 = delete
        badUTF8[5] = 0xC3  // the name's first byte: a lead byte followed by an ASCII letter
        #expect(throws: DecodingFailure.invalid("UTF-8 in a string")) { try Self.decoded(badUTF8) }
        var huge = delete
        huge.replaceSubrange(1..<5, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: DecodingFailure.self) { try Self.decoded(huge) }
        let rotation = Self.encoded(.rotateSecrets(id: "r", items: [], at: 1, by: admin))
        var manyItems = rotation
        manyItems.replaceSubrange(6..<10, with: [0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: DecodingFailure.invalid("list of 2147483647 over the limit 65535")) { try Self.decoded(manyItems) }
    }

    /// Whatever a writer accepted reads back: a token name of 100 characters is far longer in
    /// bytes when each character carries combining marks.
    @Test func longTextReadsBack() throws {
        let name = String(repeating: "e" + String(repeating: "\u{0301}", count: 50), count: 100)
        #expect(name.count == 100 && name.utf8.count > 10_000)
        let long = Actor(tokenID: "tk2", name: name)
        let token = TokenRecord(id: "tk2", role: .admin, name: name, hash: Array(repeating: 2, count: 32), createdAt: 1, createdBy: long)
        for command in [Command.createToken(token), .deleteSecret(name: "A", at: 1, by: long)] {
            #expect(try Self.decoded(Self.encoded(command)) == command)
        }
        let first = TokenRecord(id: "tk2", role: .admin, name: name, hash: Array(repeating: 2, count: 32), createdAt: 1, createdBy: .system)
        let store = try TemporaryKeyspace(master: Self.master)
        try store.apply(.createSecret(name: "A", value: try Self.sealed("a", "A", 1), at: 1, by: long),
                        .initialize(tokens: [first], tokenApprovals: 1))
        #expect(try store.keyspace.secret(named: "a")?.createdBy == long)
        #expect(try store.keyspace.token(id: "tk2") == first)
    }

    /// A keyspace written before the binary form holds JSON rows: they are read as they are,
    /// and a rotation that rewrites some of them leaves both forms readable side by side.
    @Test func rowsWrittenAsJSONAreStillRead() throws {
        let store = try TemporaryKeyspace(master: Self.master)
        func json<Value: Encodable>(_ value: Value) throws -> [UInt8] { Array(try JSONEncoder.sorted.encode(value)) }
        let key = Array("legacy".utf8) + [0] + UInt64(1).bigEndianBytes
        let createdAt: Int64 = 1_700_000_000_000
        let token = TokenRecord(id: "tk9", role: .audit, name: "auditor", hash: Array(repeating: 1, count: 32),
                                createdAt: createdAt, createdBy: admin)
        let member = MemberRecord(id: "node9", peerAddress: "127.0.0.1:7009", apiAddress: "127.0.0.1:8009")
        // The JSON these rows were written as; the records' own Codable forms.
        let record = #"{"createdAt":1700000000000,"createdBy":{"name":"alice","tokenID":"t1"},"currentVersion":1,"#
            + #""name":"Legacy","updatedAt":1700000000000,"updatedBy":{"name":"alice","tokenID":"t1"}}"#
        let version = #"{"createdAt":1700000000000,"createdBy":{"name":"alice","tokenID":"t1"},"version":1}"#
        let event = #"{"action":"secret.create","actor":{"name":"alice","tokenID":"t1"},"at":1700000000000,"#
            + #""index":1,"target":"Legacy","version":1}"#
        try store.keyspace.environment.write { txn in
            try txn.put("secrets", Array("legacy".utf8), Array(record.utf8))
            try txn.put("values", key, try json(try Self.sealed("old value", "Legacy", 1)))
            try txn.put("versions", key, Array(version.utf8))
            try txn.put("audit", UInt64(1).bigEndianBytes + [0, 0], Array(event.utf8))
            try txn.put("tokens", Array("tk9".utf8), try json(token))
            try txn.put("members", Array("node9".utf8), try json(member))
            try txn.put("meta", Array("applied_index".utf8), UInt64(1).bigEndianBytes)
            _ = try txn.delete("meta", Array("rows_merged".utf8))
        }
        try store.reopen()
        #expect(try store.keyspace.secret(named: "LEGACY")?.createdAt == createdAt)
        #expect(try store.keyspace.token(id: "tk9") == token)
        #expect(try store.keyspace.members() == [member])
        #expect(try store.keyspace.audit().map(\.action) == ["secret.create"])
        let (_, values) = try store.keyspace.currentValues()
        let opened = try Envelope.open(values[0].value, name: "Legacy", version: 1, with: Self.master)
        #expect(opened.constantTimeEquals(Array("old value".utf8)))

        let results = try store.apply(.rotateSecrets(id: "r2", items: [
            RotationItem(name: "legacy", version: 2, value: try Self.sealed("new value", "Legacy", 2)),
        ], at: createdAt + 1, by: admin))
        #expect(results.count == 1)
        let history = try #require(try store.keyspace.secretWithHistory(named: "legacy"))
        #expect(history.record.currentVersion == 2 && history.record.createdAt == createdAt)
        #expect(history.versions.map(\.version) == [1, 2])
        #expect(history.versions.map(\.rotationID) == [nil, "r2"])
        #expect(try store.keyspace.audit().map(\.action) == ["secret.create", "secret.rotate"])
        #expect(try store.keyspace.rotation(id: "r2")?.secrets == [.init(name: "Legacy", version: 2)])
        #expect(try store.keyspace.sealedValue(named: "legacy", version: 1) != nil, "the previous value is kept")
    }

    @Test func aRowInNeitherFormIsReportedCorrupt() throws {
        let store = try TemporaryKeyspace(master: Self.master)
        let key = Array("x".utf8) + [0, 3]
        try store.keyspace.environment.write { txn in try txn.put("secret_rows", key, [0x7E, 1, 2]) }
        #expect(throws: StoreError.self) { try store.keyspace.secret(named: "x") }
        try store.keyspace.environment.write { txn in try txn.put("secret_rows", key, [0x01, 0, 0, 0, 9, 65]) }
        #expect(throws: StoreError.self) { try store.keyspace.secret(named: "x") }
    }
}

@Suite("Command entries")
struct CommandEntryTests {
    let id = Array(UInt8(1)...16)

    @Test func anEntryCarriesItsProposalIDAndCommand() throws {
        for command in try BinaryRecordTests.everyCommand() {
            let data = CommandEntry.encode(command, id: id)
            #expect(CommandEntry.id(of: data) == id)
            #expect(try CommandEntry.command(in: data) == command)
        }
    }

    /// Logs written before the binary form hold the command as JSON behind marker 0xC1.
    @Test func entriesWrittenAsJSONAreStillRead() throws {
        let command = Command.rotateSecrets(id: "r1", items: [
            RotationItem(name: "A", version: 2, value: try BinaryRecordTests.sealed("v", "A", 2)),
        ], at: 7, by: admin)
        let data = [0xC1] + id + Array(try JSONEncoder.sorted.encode(command))
        #expect(CommandEntry.id(of: data) == id)
        #expect(try CommandEntry.command(in: data) == command)
    }

    @Test func foreignOrCutEntriesAreErrors() throws {
        let data = CommandEntry.encode(.removeMember(id: "n2"), id: id)
        #expect(CommandEntry.id(of: [0x7B] + data.dropFirst()) == nil)
        #expect(throws: (any Error).self) { try CommandEntry.command(in: [0x7B] + data.dropFirst()) }
        #expect(throws: (any Error).self) { try CommandEntry.command(in: Array(data.dropLast())) }
        #expect(throws: (any Error).self) { try CommandEntry.command(in: Array(data.prefix(17))) }
    }
}

/// Entries arrive from peers and snapshots from leaders: whatever their bytes, decoding ends in a
/// command or a `DecodingFailure`, never a trap. Seeded; replay with `CODEC_SEED`.
@Suite("Binary records under random damage")
struct BinaryRecordDamageTests {
    @Test func damagedAndRandomBytesDecodeOrFailCleanly() throws {
        let seed = ProcessInfo.processInfo.environment["CODEC_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0 ... .max)
        print("binary record damage test: seed \(seed) (replay with CODEC_SEED=\(seed))")
        var rng = SplitMix64(seed: seed)
        let valid = try BinaryRecordTests.everyCommand().map(BinaryRecordTests.encoded)
        var decoded = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 4 == 0 {
                bytes = (0..<(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = valid[Int(rng.next() % UInt64(valid.count))]
                for _ in 0...(rng.next() % 3) where !bytes.isEmpty {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            do {
                let command = try BinaryRecordTests.decoded(bytes)
                // What decodes is a command that encodes back to the same bytes.
                #expect(BinaryRecordTests.encoded(command) == bytes, "seed \(seed) round \(round)")
                decoded += 1
            } catch is DecodingFailure {
            }
        }
        #expect(decoded > 0, "no damaged input decoded at all: the damage is too coarse to test anything")
    }
}

@Suite("Cluster settings rows")
struct ClusterSettingsRowTests {
    @Test func aRowWrittenBeforeKeptVersionsReadsAsTen() throws {
        let settings = ClusterSettings(tokenApprovals: 2, maxTokenTTLSeconds: 60, keptVersions: 3)
        var writer = ByteWriter()
        settings.write(to: &writer)
        var reader = ByteReader(writer.bytes)
        #expect(try ClusterSettings(reading: &reader) == settings)
        // The same row as written before the setting: without its last eight bytes.
        var older = ByteReader(Array(writer.bytes.dropLast(8)))
        #expect(try ClusterSettings(reading: &older).keptVersions == ClusterSettings.defaultKeptVersions)
        var bad = ByteWriter()
        ClusterSettings(keptVersions: 500).write(to: &bad)
        var badReader = ByteReader(bad.bytes)
        #expect(throws: DecodingFailure.self) { try ClusterSettings(reading: &badReader) }
    }
}

extension ClusterSettingsRowTests {
    @Test func aJSONRowOrReplyWithoutKeptVersionsReadsAsTen() throws {
        let old = Data(#"{"tokenApprovals":2,"maxTokenTTLSeconds":60}"#.utf8)
        let settings = try JSONDecoder().decode(ClusterSettings.self, from: old)
        #expect(settings == ClusterSettings(tokenApprovals: 2, maxTokenTTLSeconds: 60))
        let current = ClusterSettings(keptVersions: 4)
        #expect(try JSONDecoder().decode(ClusterSettings.self, from: try JSONEncoder().encode(current)) == current)
    }
}
