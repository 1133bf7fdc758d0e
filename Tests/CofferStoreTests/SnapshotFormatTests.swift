import CofferCrypto
import CofferStore
import Foundation
import Testing

/// A follower may be sent a snapshot by a leader of an older version: images of every format
/// it knows are restored into today's layout, and an unknown one is refused untouched.
@Suite("Snapshot formats")
struct SnapshotFormatTests {
    typealias Rows = [(key: [UInt8], value: [UInt8])]

    static let aliceJSON = #"{"name":"alice","tokenID":"t1"}"#

    static func image(format: UInt8, _ tables: [Rows]) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(format)
        writer.write(false)
        for rows in tables {
            writer.write(UInt32(rows.count))
            for row in rows {
                writer.write(bytes: row.key)
                writer.write(bytes: row.value)
            }
        }
        return writer.bytes
    }

    static func legacyKey(_ folded: String, _ version: UInt64) -> [UInt8] { Array(folded.utf8) + [0] + version.bigEndianBytes }

    /// A target that already holds a secret the image does not: restoring must drop it.
    static func target(master: MasterKey) throws -> TemporaryKeyspace {
        let target = try TemporaryKeyspace(master: master)
        try target.apply(.createSecret(name: "Stale", value: try target.seal("s", "Stale", 1), at: 1, by: admin))
        return target
    }

    static func restore(_ data: [UInt8], into target: TemporaryKeyspace) throws {
        try target.keyspace.environment.write { txn in try target.keyspace.restore(snapshot: data, appliedIndex: 9, in: txn) }
    }

    /// Format 4: records, sealed values and version metadata in tables of their own.
    @Test func anImageWithSeparateTablesIsRestored() throws {
        let master = MasterKey.generate()
        let target = try Self.target(master: master)
        let sealed = { (value: String, version: UInt64) in
            Array(try JSONEncoder.sorted.encode(try Array(value.utf8).withUnsafeBytes {
                try Envelope.seal($0, name: "Api", version: version, with: master)
            }))
        }
        let record = #"{"createdAt":1,"createdBy":\#(Self.aliceJSON),"currentVersion":2,"name":"Api","updatedAt":2,"#
            + #""updatedBy":\#(Self.aliceJSON)}"#
        let rotation = #"{"at":2,"by":\#(Self.aliceJSON),"id":"rot_1","index":2,"kind":"rotate","#
            + #""secrets":[{"name":"Api","version":2}]}"#
        let data = Self.image(format: 4, [
            [(Array("api".utf8), Array(record.utf8))],
            [(Self.legacyKey("api", 1), try sealed("one", 1)), (Self.legacyKey("api", 2), try sealed("two", 2))],
            [], [], [],
            [(Array("rot_1".utf8), Array(rotation.utf8))],
            [(Self.legacyKey("api", 1), Array(#"{"createdAt":1,"createdBy":\#(Self.aliceJSON),"version":1}"#.utf8)),
             (Self.legacyKey("api", 2), Array(#"{"createdAt":2,"createdBy":\#(Self.aliceJSON),"rotationID":"rot_1","version":2}"#.utf8))],
        ])
        try Self.restore(data, into: target)

        #expect(try target.keyspace.secrets().map(\.name) == ["Api"])
        let history = try #require(try target.keyspace.secretWithHistory(named: "API"))
        #expect(history.versions.map(\.rotationID) == [nil, "rot_1"])
        let (applied, values) = try target.keyspace.currentValues()
        #expect(applied == 9 && values.count == 1)
        #expect(try Envelope.open(values[0].value, name: "Api", version: 2, with: master).constantTimeEquals(Array("two".utf8)))
        #expect(try target.keyspace.sealedValue(named: "api", version: 1) != nil)
        #expect(try target.keyspace.rotation(id: "rot_1")?.secrets == [.init(name: "Api", version: 2)])
        try target.keyspace.environment.read { txn in
            for table in ["secrets", "values", "versions"] {
                let rows = try txn.scan(table)
                #expect(rows.isEmpty, "\(table) still has rows")
            }
        }
        // And today's image of the result carries the same state.
        let again = try Self.target(master: master)
        let image = try target.keyspace.snapshotImage()
        try Self.restore(image.data, into: again)
        #expect(try again.keyspace.secretWithHistory(named: "api")?.versions == history.versions)
    }

    /// Format 2: each version history still inside its record, no versions table.
    @Test func anImageWithHistoriesInsideRecordsIsRestored() throws {
        let master = MasterKey.generate()
        let target = try Self.target(master: master)
        let sealed = Array(try JSONEncoder.sorted.encode(try Array("v".utf8).withUnsafeBytes {
            try Envelope.seal($0, name: "Old", version: 1, with: master)
        }))
        let record = #"{"createdAt":1,"createdBy":\#(Self.aliceJSON),"currentVersion":1,"name":"Old","updatedAt":1,"#
            + #""updatedBy":\#(Self.aliceJSON),"versions":[{"createdAt":1,"createdBy":\#(Self.aliceJSON),"version":1}]}"#
        try Self.restore(Self.image(format: 2, [
            [(Array("old".utf8), Array(record.utf8))], [(Self.legacyKey("old", 1), sealed)], [], [], [], [],
        ]), into: target)
        #expect(try target.keyspace.secrets().map(\.name) == ["Old"])
        #expect(try target.keyspace.secretWithHistory(named: "old")?.versions.map(\.version) == [1])
        #expect(try target.keyspace.currentValues().values.map(\.name) == ["Old"])
    }

    @Test func anUnknownFormatIsRefusedAndChangesNothing() throws {
        let target = try Self.target(master: .generate())
        #expect(throws: StoreError.self) { try Self.restore(Self.image(format: 8, []), into: target) }
        #expect(try target.keyspace.secrets().map(\.name) == ["Stale"])
    }

    /// Listing walks records only, however long each history is.
    @Test func listingSkipsHistoriesAndValues() throws {
        let store = try TemporaryKeyspace()
        for name in ["b", "A-b", "a", "AB", "a_"] {
            try store.apply(.createSecret(name: name, value: try store.seal(name, name, 1), at: 1, by: admin))
        }
        for version in UInt64(2)...30 {
            try store.apply(.rotateSecrets(id: "r\(version)", items: [
                RotationItem(name: "a", version: version, value: try store.seal("\(version)", "a", version)),
            ], at: 2, by: admin))
        }
        #expect(try store.keyspace.secrets().map(\.name) == ["a", "A-b", "a_", "AB", "b"])
        #expect(try store.keyspace.currentValues().values.map { "\($0.name)@\($0.version)" } == ["a@30", "A-b@1", "a_@1", "AB@1", "b@1"])
    }
}
