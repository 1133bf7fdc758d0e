import CofferStore
import Foundation
import Testing

/// The audit trail as one hash chain: every member's the same, and any line changed on one
/// member found there.
@Suite("Audit chain")
struct AuditChainTests {
    /// A keyspace with a few audit lines, one entry of them with three lines.
    static func trail() throws -> TemporaryKeyspace {
        let store = try TemporaryKeyspace()
        for name in ["A", "B", "C"] {
            try store.apply(.createSecret(name: name, value: try store.seal("1", name, 1), at: 10, by: admin))
        }
        try store.apply(.rotateSecrets(id: "r", items: try ["A", "B", "C"].map { name in
            RotationItem(name: name, version: 2, value: try store.seal("2", name, 2))
        }, at: 20, by: admin))
        return store
    }

    @Test func aTrailAsWrittenFollows() throws {
        let store = try Self.trail()
        let check = try store.keyspace.checkAuditChain()
        #expect(check.lines == 6 && check.brokenAtIndex == nil && check.headIndex == 4)
        #expect(try store.keyspace.auditLink(atOrBefore: 4) == check.headLink)
        #expect(try store.keyspace.auditLink(atOrBefore: 2) != check.headLink)
        #expect(try store.keyspace.auditLink(atOrBefore: 0) == nil)
    }

    @Test func anAlteredLineIsFoundWhereItIs() throws {
        let store = try Self.trail()
        // The rotation's second line (index 4, offset 1), one byte of its target changed.
        let key = UInt64(4).bigEndian.bytes + [0, 1]
        try store.keyspace.environment.write { txn in
            var row = try #require(try txn.get("audit", key))
            let position = try #require(row.lastIndex(of: UInt8(ascii: "B")))
            row[position] = UInt8(ascii: "X")
            try txn.put("audit", key, row)
        }
        let check = try store.keyspace.checkAuditChain()
        #expect(check.brokenAtIndex == 4 && check.brokenAtOffset == 1 && check.lines == 4)
    }

    @Test func aDroppedLineIsFound() throws {
        let store = try Self.trail()
        _ = try store.keyspace.environment.write { txn in try txn.delete("audit", UInt64(2).bigEndian.bytes + [0, 0]) }
        #expect(try store.keyspace.checkAuditChain().brokenAtIndex == 3)
    }

    @Test func membersLinkAlikeAndSnapshotsCarryTheChain() throws {
        let one = try Self.trail()
        let other = try Self.trail()
        #expect(try one.keyspace.checkAuditChain().headLink == other.keyspace.checkAuditChain().headLink)
        let image = try one.keyspace.snapshotImage()
        let restored = try TemporaryKeyspace(master: one.master)
        try restored.keyspace.environment.write { txn in try restored.keyspace.restore(snapshot: image.data, appliedIndex: image.appliedIndex, in: txn) }
        #expect(try restored.keyspace.checkAuditChain() == one.keyspace.checkAuditChain())
    }

    @Test func aTrailWrittenBeforeTheChainIsLinkedWhenOpened() throws {
        let store = try Self.trail()
        let linked = try store.keyspace.checkAuditChain()
        try store.keyspace.environment.write { txn in
            for row in try txn.scan("audit_chain") { _ = try txn.delete("audit_chain", row.key) }
            _ = try txn.delete("meta", Array("audit_chained".utf8))
        }
        #expect(try store.keyspace.checkAuditChain().brokenAtIndex == 1)
        try store.reopen()
        #expect(try store.keyspace.checkAuditChain() == linked)
    }

    /// Once a trail is chained, a damaged chain stays damaged across restarts: it is reported, never made whole again.
    @Test func aDamagedChainIsNotRelinkedWhenOpened() throws {
        let store = try Self.trail()
        _ = try store.keyspace.environment.write { txn in try txn.delete("audit_chain", UInt64(3).bigEndian.bytes + [0, 0]) }
        try store.reopen()
        #expect(try store.keyspace.checkAuditChain().brokenAtIndex == 3)
    }
}

extension FixedWidthInteger {
    var bytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }
}

@Suite("Audit lines of scans and terms")
struct ScanAndTermLineTests {
    @Test func aScanAndATermEachWriteOneLineOnTheChain() throws {
        let store = try AuditChainTests.trail()
        let results = try store.apply(
            .auditScan(source: "app.log", bytes: 1_024, findings: 2, found: ["A v1", "B v2"], at: 30, by: admin),
            .auditTerm(term: 3, leader: "node2", at: 31))
        #expect(results.allSatisfy { if case .success(.audited) = $0 { true } else { false } })
        let lines = try store.keyspace.audit().suffix(2)
        #expect(lines.map(\.action) == ["scan", "cluster.leader"])
        #expect(lines.map(\.target) == ["app.log: 1024 bytes, 2 findings (A v1, B v2)", "node2 leads term 3"])
        #expect(lines.last?.actor == .system)
        #expect(try store.keyspace.checkAuditChain().brokenAtIndex == nil)
    }

    @Test func malformedLinesAreRefusedAndWriteNothing() throws {
        let store = try AuditChainTests.trail()
        let before = try store.keyspace.audit().count
        let results = try store.apply(
            .auditScan(source: "", bytes: 1, findings: 0, found: [], at: 30, by: admin),
            .auditScan(source: "x", bytes: 1, findings: 40, found: (0..<40).map { "S\($0) v1" }, at: 30, by: admin),
            .auditTerm(term: 3, leader: String(repeating: "n", count: 65), at: 31))
        #expect(results.allSatisfy { if case .failure(.invalidRequest) = $0 { true } else { false } })
        #expect(try store.keyspace.audit().count == before)
    }
}
