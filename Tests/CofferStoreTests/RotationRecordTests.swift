import CofferCrypto
import CofferStore
import Testing

/// Rotations and rollbacks leave a record any member can answer from, and the audit trail
/// says which one each version came from.
@Suite("Rotation records")
struct RotationRecordTests {
    @Test func aRotationAndItsRollbackAreRecorded() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("a1", "A", 1), at: 1, by: admin),
                        .createSecret(name: "B", value: try store.seal("b1", "B", 1), at: 1, by: admin))
        try store.apply(.rotateSecrets(id: "rot_1", items: [
            RotationItem(name: "a", version: 2, value: try store.seal("a2", "A", 2)),
            RotationItem(name: "B", version: 2, value: try store.seal("b2", "B", 2)),
        ], at: 5, by: admin))
        let rotation = try #require(try store.keyspace.rotation(id: "rot_1"))
        #expect(rotation.kind == .rotate && rotation.index == 3)
        #expect(rotation.secrets == [.init(name: "A", version: 2), .init(name: "B", version: 2)])

        try store.apply(.rollbackSecrets(id: "rot_2", items: [
            RotationItem(name: "A", version: 3, value: try store.seal("a1", "A", 3)),
        ], at: 6, by: admin))
        #expect(try store.keyspace.rotation(id: "rot_2")?.kind == .rollback)
        #expect(try store.keyspace.secret(named: "A")?.currentVersion == 3)
        let actions = try store.keyspace.audit(after: 2).map { "\($0.action) \($0.target) \($0.rotationID ?? "-")" }
        #expect(actions == ["secret.rotate A rot_1", "secret.rotate B rot_1", "secret.rollback A rot_2"])
    }

    @Test func aRejectedRotationLeavesNoRecord() throws {
        let store = try TemporaryKeyspace()
        try store.apply(.createSecret(name: "A", value: try store.seal("a1", "A", 1), at: 1, by: admin))
        let results = try store.apply(.rotateSecrets(id: "rot_x", items: [
            RotationItem(name: "A", version: 2, value: try store.seal("a2", "A", 2)),
            RotationItem(name: "Missing", version: 2, value: try store.seal("m", "Missing", 2)),
        ], at: 2, by: admin))
        #expect(results == [.failure(.notFound("Missing"))])
        #expect(try store.keyspace.rotation(id: "rot_x") == nil)
        #expect(try store.keyspace.secret(named: "A")?.currentVersion == 1)
    }

    /// A snapshot is pinned on the driver thread and read elsewhere while writes go on: the
    /// image is the state at the moment of pinning, not a mix with later writes.
    @Test func aPinnedSnapshotIgnoresLaterWrites() throws {
        let source = try TemporaryKeyspace()
        try source.apply(.createSecret(name: "Before", value: try source.seal("b", "Before", 1), at: 1, by: admin))
        let (view, pinnedAt) = try source.keyspace.pinForSnapshot()
        try source.apply(.createSecret(name: "After", value: try source.seal("a", "After", 1), at: 2, by: admin),
                         .deleteSecret(name: "Before", at: 3, by: admin))
        let image = try source.keyspace.snapshotImage(of: view)
        #expect(image.appliedIndex == pinnedAt && pinnedAt == 1)
        let target = try TemporaryKeyspace(master: source.master)
        try target.keyspace.environment.write { txn in
            try target.keyspace.restore(snapshot: image.data, appliedIndex: image.appliedIndex, in: txn)
        }
        #expect(try target.keyspace.secrets().map(\.name) == ["Before"])
        #expect(try source.keyspace.secrets().map(\.name) == ["After"])
    }

    @Test func snapshotsCarryRotationRecords() throws {
        let source = try TemporaryKeyspace()
        try source.apply(.createSecret(name: "A", value: try source.seal("a1", "A", 1), at: 1, by: admin),
                         .rotateSecrets(id: "rot_1", items: [RotationItem(name: "A", version: 2, value: try source.seal("a2", "A", 2))],
                                        at: 2, by: admin))
        let image = try source.keyspace.snapshotImage()
        let target = try TemporaryKeyspace(master: source.master)
        try target.keyspace.environment.write { txn in
            try target.keyspace.restore(snapshot: image.data, appliedIndex: image.appliedIndex, in: txn)
        }
        #expect(try target.keyspace.rotation(id: "rot_1") == source.keyspace.rotation(id: "rot_1"))
        #expect(try target.keyspace.secretWithHistory(named: "a")?.versions.map(\.rotationID) == [nil, "rot_1"])
    }
}
