import CofferClient
import Foundation
import Synchronization
import Testing

extension EndToEnd {
    /// `coffer secret leak` on a live cluster, under continuous renders: one step rotates the
    /// secret and marks its version compromised; the report names who used that version.
    @Suite("Leak response on a live cluster")
    struct LeakTests {
        /// Renders `{{Secrets.Key}}` until stopped, keeping each answer's value and when it was asked.
        final class Renders: Sendable {
            let answers = Mutex<[(started: ContinuousClock.Instant, status: Int, value: String)]>([])
            let stop = Mutex(false)

            func run(_ client: CofferClient) async {
                while !stop.withLock({ $0 }) {
                    let started = ContinuousClock.now
                    let answer = try? await client.send(.POST, "/v1/render", body: Array("{{Secrets.Key}}".utf8))
                    answers.withLock { $0.append((started, answer?.status ?? 0, answer?.text ?? "")) }
                }
            }
        }

        static func leak(_ deployment: Deployment, _ arguments: [String], input: String) throws -> [String: Any] {
            let result = try deployment.cli(["secret", "leak", "Key", "--json"] + arguments, input: input)
            guard result.status == 0, let report = try JSONSerialization.jsonObject(with: Data(result.text.utf8)) as? [String: Any] else {
                throw HarnessError("secret leak failed: \(result.stderr)")
            }
            return report
        }

        @Test func aLeakRotatesMarksAndReportsUnderRenders() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", ["name": "Key", "value": "leaked-1"]).status == 201)
            let second = try LeastPrivilegeTests.made(try deployment.cli(["token", "create", "--role", "render", "--name", "gw2"]))
            let clients = [try deployment.client(token: deployment.renderToken, only: 1), try deployment.client(token: second, only: 2),
                           try deployment.client(token: deployment.renderToken, only: 3)]
            defer { Task { for client in clients { await client.shutdown() } } }

            let renders = Renders()
            let loops = clients.map { client in Task { await renders.run(client) } }
            try await Task.sleep(for: .milliseconds(500))
            let report = try Self.leak(deployment, ["--reason", "found in a public repository"], input: "fresh-2")
            let answered = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(500))
            renders.stop.withLock { $0 = true }
            for loop in loops { await loop.value }

            // Every render asked after the answer has the new value, on every node.
            let after = renders.answers.withLock { $0.filter { $0.started > answered } }
            #expect(!after.isEmpty)
            let fresh = after.allSatisfy { $0.status == 200 && $0.value == "fresh-2" }
            #expect(fresh, "a render after the answer used the old value or failed")
            // The report: version 1 compromised, both tokens with first and last use, on their nodes.
            let compromised = try #require((report["compromised"] as? [[String: Any]])?.first)
            #expect((compromised["version"] as? NSNumber)?.intValue == 1)
            let usage = compromised["usage"] as? [[String: Any]] ?? []
            let users = Set(usage.compactMap { $0["token_name"] as? String })
            #expect(users == ["dev-render", "gw2"], "\(users)")
            #expect(usage.allSatisfy { $0["first"] is String && $0["last"] is String && ($0["count"] as? NSNumber)?.intValue ?? 0 > 0 })
            #expect(Set(usage.compactMap { $0["node"] as? String }) == ["node1", "node2", "node3"])
            #expect((report["rotation"] as? [String: Any])?["kind"] as? String == "leak")

            // The compromised version never comes back.
            let rollback = try deployment.cli(["secret", "rollback", "Key", "--to-version", "1"])
            #expect(rollback.status != 0 && rollback.stderr.contains("reported leaked"), "\(rollback.stderr)")
            let versions = try VersionsTests.versions(deployment)
            let mark = versions.last?["compromised"] as? [String: Any]
            #expect(mark?["reason"] as? String == "found in a public repository" && versions.first?["compromised"] == nil)

            // Again, with --revoke-tokens: both tokens that rendered version 2 stop working.
            for client in clients.prefix(2) {
                #expect(try await client.send(.POST, "/v1/render", body: Array("{{Secrets.Key}}".utf8)).status == 200)
            }
            let revoking = try Self.leak(deployment, ["--revoke-tokens"], input: "fresh-3")
            #expect(Set(revoking["revoked_tokens"] as? [String] ?? []).count == 2)
            for client in clients {
                let refused = try await client.send(.POST, "/v1/render", body: Array("{{Secrets.Key}}".utf8))
                #expect(refused.status == 401, "a revoked token answered \(refused.status)")
            }
            let trail = try deployment.cli(["audit", "--json"]).text
            #expect(trail.contains("secret.leak") && trail.contains("rendered a leaked version"))
            #expect(!trail.contains("fresh-") && !trail.contains("leaked-1"))
            // Bad input changes nothing.
            #expect(try deployment.cli(["secret", "leak", "Nope", "--generate"]).status != 0)
            #expect(try await admin.json(.POST, "/v1/leaks", ["names": ["Key"], "generate": [:], "reason": "two\nlines"] as [String: Any]).status == 400)
            #expect(try VersionsTests.versions(deployment).first?["version"] as? NSNumber == 3)
        }
    }
}
