import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// Who used a secret: every node counts the renders it serves, and `secret usage` asks
    /// every member and adds them up.
    @Suite("Usage trail on a live cluster")
    struct UsageTrailTests {
        static func render(_ client: CofferClient, _ template: String, _ query: String = "") async throws -> Int {
            try await client.send(.POST, "/v1/render" + (query.isEmpty ? "" : "?" + query), body: Array(template.utf8)).status
        }

        /// `secret usage --json`, as (node, version, token name, outcome) → count, and the answer.
        static func usage(_ deployment: Deployment, _ arguments: [String] = []) throws -> ([String: UInt64], [String: Any]) {
            let result = try deployment.cli(["secret", "usage", "Key", "--json"] + arguments)
            guard result.status == 0, let answer = try JSONSerialization.jsonObject(with: Data(result.text.utf8)) as? [String: Any] else {
                throw HarnessError("secret usage failed: \(result.stderr)")
            }
            var counts: [String: UInt64] = [:]
            for line in answer["usage"] as? [[String: Any]] ?? [] {
                let key = "\(line["node"]!) v\(line["version"]!) \(line["token_name"] ?? "?") \(line["outcome"]!) \(line["client"]!)"
                counts[key, default: 0] += (line["count"] as? NSNumber)?.uint64Value ?? 0
            }
            return (counts, answer)
        }

        @Test func rendersFromTwoTokensOnTwoNodesAddUp() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", ["name": "Key", "value": "usage-value-1"]).status == 201)
            let second = try LeastPrivilegeTests.made(try deployment.cli(["token", "create", "--role", "render", "--name", "gw2"]))
            let firstOnOne = try deployment.client(token: deployment.renderToken, only: 1)
            let secondOnTwo = try deployment.client(token: second, only: 2)
            let firstOnThree = try deployment.client(token: deployment.renderToken, only: 3)
            defer { Task { await firstOnOne.shutdown(); await secondOnTwo.shutdown(); await firstOnThree.shutdown() } }

            for _ in 0..<3 { #expect(try await Self.render(firstOnOne, "{{Secrets.Key}}", "consistency=linearizable") == 200) }
            for _ in 0..<2 { #expect(try await Self.render(secondOnTwo, "a {{Secrets.key}} b {{Secrets.KEY}}", "consistency=linearizable") == 200) }
            #expect(try await admin.json(.PUT, "/v1/secrets/Key", ["value": "usage-value-2"]).status == 200)
            #expect(try await Self.render(firstOnThree, "{{Secrets.Key}}", "consistency=linearizable") == 200)
            // Refused: the secret may now go only to api.example.com, and this render names no destination.
            #expect(try await admin.json(.PUT, "/v1/secrets/Key/hosts", ["hosts": ["api.example.com"]]).status == 200)
            #expect(try await Self.render(secondOnTwo, "{{Secrets.Key}}", "consistency=linearizable") == 422)

            let (counts, answer) = try Self.usage(deployment)
            #expect(counts == [
                "node1 v1 dev-render rendered 127.0.0.1": 3,
                "node2 v1 gw2 rendered 127.0.0.1": 2,
                "node3 v2 dev-render rendered 127.0.0.1": 1,
                "node2 v2 gw2 refused: destination 127.0.0.1": 1,
            ], "\(counts)")
            #expect((answer["unreachable"] as? [String]) == [])
            #expect(try Self.usage(deployment, ["--version", "1"]).0.count == 2)
            let table = try deployment.cli(["secret", "usage", "Key"]).text
            #expect(table.contains("refused: destination") && table.contains("gw2") && !table.contains("usage-value"))

            // A member that is down is named, and its renders are not counted; once back, its
            // counts are there again (written to its own store when it stopped).
            deployment.stop(3)
            let (partial, withoutThree) = try Self.usage(deployment)
            #expect((withoutThree["unreachable"] as? [String]) == ["node3"])
            #expect(partial["node3 v2 dev-render rendered 127.0.0.1"] == nil)
            try await deployment.start(3)
            // Until the others' links to node3 are back, it is named unreachable.
            var again = try Self.usage(deployment)
            for _ in 0..<50 where (again.1["unreachable"] as? [String]) != [] {
                try await Task.sleep(for: .milliseconds(200))
                again = try Self.usage(deployment)
            }
            #expect(again.0["node3 v2 dev-render rendered 127.0.0.1"] == 1, "\(again.1["unreachable"] ?? "")")

            // Bad questions: a clear error.
            for arguments in [["--since", "yesterday"], ["--since", "0s"], ["--since", "200000000000d"]] {
                let refused = try deployment.cli(["secret", "usage", "Key"] + arguments)
                #expect(refused.status != 0 && refused.stderr.contains("since is a duration"), "\(arguments): \(refused.stderr)")
            }
            #expect(try deployment.cli(["secret", "usage", "bad name"]).status != 0)
        }
    }
}
