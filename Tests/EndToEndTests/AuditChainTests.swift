import CofferClient
import CofferStore
import Foundation
import Testing

extension EndToEnd {
    /// `coffer audit verify` on a live cluster: every member's trail one hash chain, and one
    /// line altered in a stopped member's files named, member and index, once it is back.
    @Suite("Audit chain on a live cluster")
    struct AuditChainTests {
        static func verify(_ deployment: Deployment) throws -> (CommandResult, [String: Any]) {
            let result = try deployment.cli(["audit", "verify", "--json"])
            let answer = (try? JSONSerialization.jsonObject(with: Data(result.text.utf8))) as? [String: Any] ?? [:]
            return (result, answer)
        }

        static func member(_ answer: [String: Any], _ id: String) -> [String: Any] {
            (answer["members"] as? [[String: Any]] ?? []).first { $0["member"] as? String == id } ?? [:]
        }

        @Test func anAlteredLineIsNamedByMemberAndIndex() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            for name in ["Key", "Other"] {
                #expect(try await admin.json(.POST, "/v1/secrets", ["name": name, "value": "chain-\(name)"]).status == 201)
            }
            #expect(try await admin.json(.PUT, "/v1/secrets/Key", ["value": "chain-2"]).status == 200)
            try await deployment.waitConverged(Array(1...3))

            let (intact, before) = try Self.verify(deployment)
            #expect(intact.status == 0 && before["intact"] as? Bool == true, "\(intact.stderr)")
            let lines = Self.member(before, "node2")["lines"] as? Int ?? 0
            #expect(lines >= 3)

            // node2 stopped; the line of Other's creation has its target changed in place.
            deployment.stop(2)
            let altered: UInt64 = try {
                let environment = try LMDBEnvironment(directory: deployment.nodeDirectory(2) + "/data", names: ["audit"])
                return try environment.write { txn in
                    for row in try txn.scan("audit") {
                        guard let at = row.value.lastIndex(of: UInt8(ascii: "O")), row.value.count > at + 4,
                              Array(row.value[at..<(at + 5)]) == Array("Other".utf8) else { continue }
                        var changed = row.value
                        changed[at] = UInt8(ascii: "X")
                        try txn.put("audit", row.key, changed)
                        return row.key.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
                    }
                    throw HarnessError("no audit line names Other")
                }
            }()
            try await deployment.start(2)
            try await deployment.waitConverged(Array(1...3))

            let (broken, after) = try Self.verify(deployment)
            #expect(broken.status != 0, "verify exits non-zero")
            #expect(after["intact"] as? Bool == false)
            #expect((Self.member(after, "node2")["broken_at_index"] as? NSNumber)?.uint64Value == altered)
            #expect(Self.member(after, "node1")["broken_at_index"] == nil && Self.member(after, "node3")["broken_at_index"] == nil)
            let table = try deployment.cli(["audit", "verify"]).text
            #expect(table.contains("BROKEN at index \(altered)"), "\(table)")

            // node3 stopped; its last line and link removed together, so its own chain still
            // follows. Its link at the index every member has applied differs from the others'.
            deployment.stop(3)
            try {
                let environment = try LMDBEnvironment(directory: deployment.nodeDirectory(3) + "/data", names: ["audit", "audit_chain"])
                try environment.write { txn in
                    for table in ["audit", "audit_chain"] {
                        guard let last = try txn.last(table) else { throw HarnessError("node3 has no \(table)") }
                        _ = try txn.delete(table, last.key)
                    }
                }
            }()
            try await deployment.start(3)
            try await deployment.waitConverged(Array(1...3))
            let (_, cut) = try Self.verify(deployment)
            #expect(Self.member(cut, "node3")["broken_at_index"] == nil, "its own chain follows")
            #expect(Self.member(cut, "node3")["differs"] as? Bool == true && Self.member(cut, "node1")["differs"] as? Bool == false)
        }
    }
}
