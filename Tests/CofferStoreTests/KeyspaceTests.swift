import CofferCrypto
import CofferStore
import Foundation
import Testing

/// A keyspace in a fresh temporary directory, on real LMDB.
final class TemporaryKeyspace {
    let directory: String
    let master: MasterKey
    var keyspace: Keyspace

    init(master: MasterKey = .generate()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-store-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.master = master
        keyspace = try Keyspace(directory: directory, masterKey: master)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func reopen() throws { keyspace = try Keyspace(directory: directory, masterKey: master) }

    func seal(_ value: String, _ name: String, _ version: UInt64) throws -> SealedValue {
        try Array(value.utf8).withUnsafeBytes { try Envelope.seal($0, name: name, version: version, with: master) }
    }

    /// Applies commands at the next indexes and returns their results.
    @discardableResult
    func apply(_ commands: Command...) throws -> [Result<CommandOutcome, Rejection>] {
        let first = try keyspace.appliedIndex + 1
        return try keyspace.apply(commands.enumerated().map { (first + UInt64($0.offset), $0.element) }).map(\.result)
    }
}

let admin = Actor(tokenID: "t1", name: "alice")

@Suite("Keyspace on LMDB")
struct KeyspaceTests {
    @Test func createShowAndPersistAcrossReopen() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "ApiKey", value: try store.seal("v1", "ApiKey", 1), at: 1_000, by: admin))
        try store.reopen()
        let record = try #require(try store.keyspace.secret(named: "APIKEY"))
        #expect(record.name == "ApiKey")
        #expect(record.currentVersion == 1)
        #expect(record.createdBy == admin)
        #expect(try store.keyspace.appliedIndex == 1)
        let (index, values) = try store.keyspace.currentValues()
        #expect(index == 1)
        let opened = try Envelope.open(values[0].value, name: "ApiKey", version: 1, with: store.master)
        #expect(opened.constantTimeEquals(Array("v1".utf8)))
    }

    @Test func aDuplicateNameInAnyCaseIsRejectedAndChangesNothing() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "ApiKey", value: try store.seal("v1", "ApiKey", 1), at: 1, by: admin))
        let results = try store.apply(.createSecret(name: "APIKEY", value: try store.seal("v2", "APIKEY", 1), at: 2, by: admin))
        #expect(results == [.failure(.nameTaken("APIKEY"))])
        let (_, values) = try store.keyspace.currentValues()
        #expect(values.count == 1)
        #expect(try Envelope.open(values[0].value, name: "ApiKey", version: 1, with: store.master).constantTimeEquals(Array("v1".utf8)))
        #expect(try store.keyspace.appliedIndex == 2, "a rejected command still takes its log index")
    }

    @Test func rotationMovesEveryListedSecretOrNone() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("a1", "A", 1), at: 1, by: admin),
                        .createSecret(name: "B", value: try store.seal("b1", "B", 1), at: 1, by: admin))
        let rejected = try store.apply(.rotateSecrets(id: "r1", items: [
            RotationItem(name: "A", version: 2, value: try store.seal("a2", "A", 2)),
            RotationItem(name: "Nope", version: 2, value: try store.seal("x", "Nope", 2)),
        ], at: 2, by: admin))
        #expect(rejected == [.failure(.notFound("Nope"))])
        #expect(try store.keyspace.secret(named: "A")?.currentVersion == 1)

        let stale = try store.apply(.rotateSecrets(id: "r2", items: [
            RotationItem(name: "A", version: 5, value: try store.seal("a5", "A", 5)),
        ], at: 2, by: admin))
        #expect(stale == [.failure(.versionConflict("A"))])

        try store.apply(.rotateSecrets(id: "r3", items: [
            RotationItem(name: "a", version: 2, value: try store.seal("a2", "a", 2)),
            RotationItem(name: "b", version: 2, value: try store.seal("b2", "b", 2)),
        ], at: 3, by: admin))
        #expect(try store.keyspace.secret(named: "A")?.currentVersion == 2)
        #expect(try store.keyspace.secretWithHistory(named: "B")?.versions.map(\.rotationID) == [nil, "r3"])
    }

    @Test func theLastTenCiphertextsAreKept() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("1", "A", 1), at: 1, by: admin))
        for version in UInt64(2)...12 {
            try store.apply(.rotateSecrets(id: "r\(version)", items: [
                RotationItem(name: "A", version: version, value: try store.seal("\(version)", "A", version)),
            ], at: 2, by: admin))
        }
        #expect(try store.keyspace.keptVersions(named: "a") == Array(3...12))
        #expect(try store.keyspace.sealedValue(named: "A", version: 3) != nil)
        #expect(try store.keyspace.sealedValue(named: "A", version: 2) == nil)
        #expect(try store.keyspace.secretWithHistory(named: "A")?.versions.map(\.version) == Array(1...12))
    }

    /// A secret's history grows with every rotation, its record does not: rotating it costs the
    /// same the hundredth time as the first.
    @Test func theRecordStaysTheSameSizeAsTheHistoryGrows() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("1", "A", 1), at: 1, by: admin))
        func recordSize() throws -> Int {
            try store.keyspace.environment.read { txn in try #require(try txn.get("secret_rows", Array("a".utf8) + [0, 3])).count }
        }
        try store.apply(.rotateSecrets(id: "r2", items: [
            RotationItem(name: "A", version: 2, value: try store.seal("2", "A", 2)),
        ], at: 2, by: admin))
        let early = try recordSize()
        for version in UInt64(3)...100 {
            try store.apply(.rotateSecrets(id: "r\(version)", items: [
                RotationItem(name: "A", version: version, value: try store.seal("\(version)", "A", version)),
            ], at: 2, by: admin))
        }
        // The version is a fixed-width number: the record does not grow at all.
        #expect(try recordSize() == early, "the record grew with the history")
        let history = try #require(try store.keyspace.secretWithHistory(named: "a"))
        #expect(history.record.currentVersion == 100)
        #expect(history.versions.map(\.version) == Array(1...100))
        #expect(history.versions.last?.rotationID == "r100")
    }

    /// A keyspace written before version metadata had a table of its own keeps each history
    /// inside the record, and the record and values in tables of their own; opening it moves
    /// the history out and every row to `secret_rows`, and nothing is lost.
    @Test func historiesInsideOldRecordsMoveToTheirTableOnOpen() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "Old", value: try store.seal("1", "Old", 1), at: 1, by: admin))
        let legacy = #"{"createdAt":1,"createdBy":{"name":"alice","tokenID":"t1"},"currentVersion":2,"name":"Old","#
            + #""updatedAt":5,"updatedBy":{"name":"bob","tokenID":"t2"},"versions":[{"createdAt":1,"createdBy":"#
            + #"{"name":"alice","tokenID":"t1"},"version":1},{"createdAt":5,"createdBy":{"name":"bob","tokenID":"t2"},"#
            + #""rotationID":"r5","version":2}]}"#
        let sealed = Array(try JSONEncoder.sorted.encode(try store.seal("2", "Old", 2)))
        try store.keyspace.environment.write { txn in
            for row in try txn.scan("secret_rows") { try txn.delete("secret_rows", row.key) }
            try txn.put("secrets", Array("old".utf8), Array(legacy.utf8))
            try txn.put("values", Array("old".utf8) + [0] + UInt64(2).bigEndianBytes, sealed)
            _ = try txn.delete("meta", Array("versions_moved".utf8))
            _ = try txn.delete("meta", Array("rows_merged".utf8))
        }
        try store.reopen()
        let history = try #require(try store.keyspace.secretWithHistory(named: "OLD"))
        #expect(history.record.currentVersion == 2 && history.record.updatedBy.name == "bob")
        #expect(history.versions.map(\.version) == [1, 2])
        #expect(history.versions.map(\.rotationID) == [nil, "r5"])
        let (_, values) = try store.keyspace.currentValues()
        #expect(try Envelope.open(values[0].value, name: "Old", version: 2, with: store.master).constantTimeEquals(Array("2".utf8)))
        try store.keyspace.environment.read { txn in
            let stored = try #require(try txn.get("secret_rows", Array("old".utf8) + [0, 3]))
            #expect(!String(decoding: stored, as: UTF8.self).contains("versions"), "the record still holds its history")
            for table in ["secrets", "values", "versions"] {
                let rows = try txn.scan(table)
                #expect(rows.isEmpty, "\(table) still has rows")
            }
        }
    }

    @Test func deleteRemovesTheSecretAndItsValues() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("1", "A", 1), at: 1, by: admin))
        let results = try store.apply(.deleteSecret(name: "a", at: 2, by: admin))
        #expect(results == [.success(.secretDeleted("A"))])
        #expect(try store.keyspace.secret(named: "A") == nil)
        #expect(try store.keyspace.sealedValue(named: "A", version: 1) == nil)
        #expect(try store.apply(.deleteSecret(name: "a", at: 3, by: admin)) == [.failure(.notFound("a"))])
        // A new secret under the old name starts a history of its own.
        try store.apply(.createSecret(name: "a", value: try store.seal("new", "a", 1), at: 4, by: admin))
        #expect(try store.keyspace.secretWithHistory(named: "A")?.versions.map(\.createdAt) == [4])
    }

    @Test func replayedEntriesAreSkipped() throws {
        let store = try TemporaryKeyspace()
        let create = Command.createSecret(name: "A", value: try store.seal("1", "A", 1), at: 1, by: admin)
        _ = try store.keyspace.apply([(1, create)])
        let again = try store.keyspace.apply([(1, create), (2, .deleteSecret(name: "A", at: 2, by: admin))])
        #expect(again.map(\.index) == [2])
        #expect(try store.keyspace.appliedIndex == 2)
    }

    @Test func tokensAndTheOneTimeBootstrap() throws {
        let store = try TemporaryKeyspace()
        let token = TokenRecord(id: "0123456789abcdef", role: .render, name: "ci", hash: [1, 2], createdAt: 1, createdBy: admin)
        let alice = TokenRecord(id: "t1", role: .admin, name: "alice", hash: [3], createdAt: 1, createdBy: .system)
        #expect(try store.apply(.bootstrapTokens([token, alice])) == [.success(.bootstrapped)])
        #expect(try store.apply(.bootstrapTokens([token])) == [.failure(.alreadyBootstrapped)])
        #expect(try store.keyspace.token(id: "0123456789abcdef") == token)
        try store.apply(.revokeToken(id: "0123456789abcdef", at: 2, by: admin))
        #expect(try store.keyspace.tokens().map(\.id) == ["t1"])
        #expect(try store.apply(.bootstrapTokens([token])) == [.failure(.alreadyBootstrapped)], "a revoked first token never returns")
    }

    @Test func theAuditTrailRecordsWhoDidWhat() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("1", "A", 1), at: 10, by: admin),
                        .rotateSecrets(id: "r", items: [RotationItem(name: "A", version: 2, value: try store.seal("2", "A", 2))], at: 20, by: admin),
                        .deleteSecret(name: "A", at: 30, by: admin))
        let events = try store.keyspace.audit()
        #expect(events.map(\.action) == ["secret.create", "secret.rotate", "secret.delete"])
        #expect(events.map(\.index) == [1, 2, 3])
        #expect(events.allSatisfy { $0.actor == admin })
        #expect(try store.keyspace.audit(after: 2).map(\.action) == ["secret.delete"])
    }

    @Test func aWrongMasterKeyIsRefused() throws {
        let store = try TemporaryKeyspace()
        #expect(throws: StoreError.wrongMasterKey) { try Keyspace(directory: store.directory, masterKey: .generate()) }
    }

    @Test func noValueIsStoredInPlainText() throws {
        let store = try TemporaryKeyspace()
        let marker = "PLAINTEXT-MARKER-\(UUID().uuidString)"
        try store.apply(.createSecret(name: "A", value: try store.seal(marker, "A", 1), at: 1, by: admin))
        let file = try Data(contentsOf: URL(fileURLWithPath: store.directory + "/data.mdb"))
        #expect(file.range(of: Data(marker.utf8)) == nil)
        #expect(file.range(of: Data("secret.create".utf8)) != nil, "the scan reads the real file")
    }
}
