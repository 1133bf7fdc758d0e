import CofferClient
import Foundation
import Testing

extension EndToEnd {
    @Suite("Cluster: membership", .serialized)
    struct MembershipTests {
        /// A fourth node joins as a learner, catches up, is promoted, and is removed again.
        @Test func aLearnerJoinsCatchesUpIsPromotedAndRemoved() async throws {
            let deployment = try Deployment(nodes: 4, founders: 3)
            for index in 1...3 { try await deployment.start(index) }
            _ = try await deployment.waitForLeader(among: [1, 2, 3])
            try await deployment.waitReady()
            for index in 0..<5 {
                _ = try deployment.cli(["secret", "create", "Before\(index)"], input: "value-\(index)")
            }
            try await deployment.start(4)
            let member = deployment.member(4)
            let added = try deployment.cli(["cluster", "add", "node4", member.peer, member.api])
            #expect(added.status == 0, "\(added.stderr)")
            try await deployment.waitConverged([1, 2, 3, 4])

            var status = try deployment.cli(["cluster", "status", "--json"])
            var members = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout)) as? [String: Any])?["members"] as? [[String: Any]])
            #expect(members.first { $0["id"] as? String == "node4" }?["membership"] as? String == "learner")
            let onLearner = try await EndToEnd.ClusterTests.contents(of: deployment, node: 4)
            #expect(onLearner == Dictionary(uniqueKeysWithValues: (0..<5).map { ("Before\($0)", "value-\($0)") }))

            let promoted = try deployment.cli(["cluster", "promote", "node4"])
            #expect(promoted.status == 0, "\(promoted.stderr)")
            status = try deployment.cli(["cluster", "status", "--json"])
            members = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout)) as? [String: Any])?["members"] as? [[String: Any]])
            #expect(members.compactMap { $0["membership"] as? String } == ["voter", "voter", "voter", "voter"])

            let moved = try deployment.cli(["cluster", "transfer-leader", "node4"])
            #expect(moved.status == 0, "\(moved.stderr)")
            #expect(try await deployment.status(of: 1)["leader"] as? String == "node4")
            _ = try deployment.cli(["secret", "create", "AfterTransfer"], input: "v")

            let removed = try deployment.cli(["cluster", "remove", "node2"])
            #expect(removed.status == 0, "\(removed.stderr)")
            status = try deployment.cli(["cluster", "status", "--json"])
            members = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout)) as? [String: Any])?["members"] as? [[String: Any]])
            #expect(members.compactMap { $0["id"] as? String } == ["node1", "node3", "node4"])
            let write = try deployment.cli(["secret", "create", "AfterRemoval"], input: "v")
            #expect(write.status == 0, "the three remaining members take writes: \(write.stderr)")
            let bad = try deployment.cli(["cluster", "promote", "node9"])
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("not a learner"))
            // Each change is in the audit trail, with who asked for it, in the order made.
            let trail = try deployment.cli(["audit", "--json"]).text
            let lines = ((try JSONSerialization.jsonObject(with: Data(trail.utf8)) as? [String: Any])?["events"] as? [[String: Any]] ?? [])
                .filter { ($0["action"] as? String)?.hasPrefix("cluster.") == true }
                .map { "\($0["action"] ?? "") \($0["target"] ?? "") \($0["actor"] ?? "")" }
            // Each leader's term has its line too, written by that leader.
            #expect(lines.contains { $0.hasPrefix("cluster.leader ") && $0.contains(" leads term ") && $0.hasSuffix(" system") }, "\(lines)")
            #expect(lines.filter { !$0.hasPrefix("cluster.leader_transfer") && !$0.hasPrefix("cluster.leader ") }
                    == ["cluster.member_add node4 dev-admin", "cluster.member_promote node4 dev-admin", "cluster.member_remove node2 dev-admin"],
                    "\(lines)")
            #expect(try deployment.cli(["audit", "verify"]).status == 0, "the chain follows on every member, node2's removal included")
        }
    }
}
