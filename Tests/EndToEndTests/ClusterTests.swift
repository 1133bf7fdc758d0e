import CofferClient
import Foundation
import NIOHTTP1
import Testing

extension EndToEnd {
    /// A three-node cluster of real processes replicating over mutual TLS.
    @Suite("Cluster: failures it survives", .serialized)
    struct ClusterTests {
        /// What one node holds: every secret's version and value (rendered on that node alone).
        static func contents(of deployment: Deployment, node index: Int) async throws -> [String: String] {
            let admin = try deployment.client(token: deployment.adminToken, only: index)
            let render = try deployment.client(token: deployment.renderToken, only: index)
            defer { Task { await admin.shutdown(); await render.shutdown() } }
            let secrets = try await admin.object(.GET, "/v1/secrets")["secrets"] as? [[String: Any]] ?? []
            let names = secrets.compactMap { $0["name"] as? String }.sorted()
            guard !names.isEmpty else { return [:] }
            let template = names.map { "{{Secrets.\($0)}}" }.joined(separator: "\n")
            let rendered = try await render.send(.POST, "/v1/render", body: Array(template.utf8))
            let values = rendered.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var contents: [String: String] = [:]
            for (name, value) in zip(names, values) { contents[name] = value }
            return contents
        }

        /// Writes through one node in a loop; returns what was acknowledged (name to value).
        static func writeLoop(_ deployment: Deployment, via index: Int, prefix: String, count: Int) async -> [String: String] {
            guard let client = try? deployment.client(token: deployment.adminToken, only: index) else { return [:] }
            var acknowledged: [String: String] = [:]
            for step in 0..<count {
                let name = "\(prefix)_\(step)"
                let started = ContinuousClock.now
                let response = try? await client.json(.POST, "/v1/secrets", raw: #"{"name": "\#(name)", "value": "v-\#(name)"}"#)
                if ProcessInfo.processInfo.environment["CLUSTER_DEBUG"] != nil {
                    print("write \(name) via node\(index): \(response?.status ?? -1) in \(ContinuousClock.now - started) \(response?.errorMessage ?? "")")
                }
                if response?.status == 201 { acknowledged[name] = "v-\(name)" }
                if response == nil { break }          // the node is down
                // Names are unique per writer: a 409 would mean a write reported as failed had happened.
                #expect(response?.status != 409, "\(name): \(response?.errorMessage ?? "")")
            }
            await client.shutdown()
            return acknowledged
        }

        @Test func killingTheLeaderUnderLoadLosesNoAcknowledgedWrite() async throws {
            let deployment = try Deployment(nodes: 3)
            let leader = try await deployment.startAll()
            let survivors = [1, 2, 3].filter { $0 != leader }

            let acknowledged = await withTaskGroup(of: [String: String].self) { group in
                for index in 1...3 {
                    group.addTask { await Self.writeLoop(deployment, via: index, prefix: "N\(index)", count: 60) }
                }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(800))
                    deployment.kill9(leader)
                    return [:]
                }
                var all: [String: String] = [:]
                for await acked in group { all.merge(acked) { $1 } }
                return all
            }
            let newLeader = try await deployment.waitForLeader(among: survivors)
            #expect(newLeader != leader)
            // The CLI skips an address that does not answer and uses the next one.
            let listed = try run(Binary.coffer, ["secret", "list", "--json"], environment: [
                "COFFER_ADDR": ([leader] + survivors).map(deployment.url).joined(separator: ","),
                "COFFER_CACERT": deployment.directory + "/ca.pem",
                "COFFER_TOKEN_FILE": deployment.directory + "/admin.token",
            ])
            #expect(listed.status == 0, "the CLI fell over to a surviving node: \(listed.stderr)")
            // Writes resume through any surviving node.
            for index in survivors {
                let after = await Self.writeLoop(deployment, via: index, prefix: "After\(index)", count: 3)
                #expect(after.count == 3, "writes through node\(index) after the failover")
            }
            #expect(acknowledged.count > 20)

            try await deployment.start(leader)
            try await deployment.waitConverged([1, 2, 3])
            let expected = try await Self.contents(of: deployment, node: newLeader)
            for (name, value) in acknowledged {
                #expect(expected[name] == value, "acknowledged \(name) is present with its value")
            }
            for index in 1...3 {
                let contents = try await Self.contents(of: deployment, node: index)
                #expect(contents == expected, "node\(index) holds exactly what the leader holds")
            }
        }

        /// A linearizable render started after a write was acknowledged shows that write, on a
        /// follower too, where a local render may still show the value before it. Several
        /// renders start at once on each follower, so they share ReadIndex rounds.
        @Test func linearizableRendersOnFollowersSeeEveryAcknowledgedWrite() async throws {
            let deployment = try Deployment(nodes: 3)
            let leader = try await deployment.startAll()
            let followers = [1, 2, 3].filter { $0 != leader }
            let writer = try deployment.client(token: deployment.adminToken, only: leader)
            let readers = try followers.map { try deployment.client(token: deployment.renderToken, only: $0) }
            defer { Task { await writer.shutdown(); for reader in readers { await reader.shutdown() } } }
            let created = try await writer.json(.POST, "/v1/secrets", ["name": "Counter", "value": "0"])
            try #require(created.status == 201, "\(created.errorMessage)")

            var stale: [String] = []
            for step in 1...40 {
                let put = try await writer.json(.PUT, "/v1/secrets/Counter", ["value": "\(step)"])
                try #require(put.status == 200, "write \(step): \(put.errorMessage)")
                let rendered = try await withThrowingTaskGroup(of: (node: Int, value: Int).self) { group in
                    for (reader, node) in zip(readers, followers) {
                        for _ in 0..<4 {
                            group.addTask {
                                let response = try await reader.send(
                                    .POST, "/v1/render?consistency=linearizable", body: Array("{{Secrets.Counter}}".utf8),
                                    contentType: "text/plain")
                                return (node, response.status == 200 ? Int(response.text) ?? -1 : -response.status)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                // Only the step is printed: the rendered text is a secret value.
                for render in rendered where render.value != step { stale.append("step \(step) on node\(render.node)") }
            }
            #expect(stale.isEmpty, "linearizable renders that missed an acknowledged write: \(stale.prefix(8))")
        }

        @Test func aNodeKeptDownWhileTheLogIsCompactedCatchesUpBySnapshot() async throws {
            let deployment = try Deployment(nodes: 3, snapshotEvery: 20)
            let leader = try await deployment.startAll()
            let lagging = [1, 2, 3].first { $0 != leader }!
            deployment.kill9(lagging)
            let up = [1, 2, 3].filter { $0 != lagging }
            var acknowledged: [String: String] = [:]
            for index in up {
                acknowledged.merge(await Self.writeLoop(deployment, via: index, prefix: "S\(index)", count: 40)) { $1 }
            }
            #expect(acknowledged.count == 80)

            try await deployment.start(lagging)
            try await deployment.waitConverged([1, 2, 3])
            #expect(deployment.log(lagging).contains("installed a snapshot"), "the lagging node caught up from a snapshot")
            let contents = try await Self.contents(of: deployment, node: lagging)
            #expect(contents == acknowledged)
        }

        @Test func anIsolatedLeaderStepsDownAndTheMajorityGoesOn() async throws {
            let deployment = try Deployment(nodes: 3, proxied: true)
            let leader = try await deployment.startAll()
            let majority = [1, 2, 3].filter { $0 != leader }
            let before = await Self.writeLoop(deployment, via: majority[0], prefix: "Before", count: 5)
            #expect(before.count == 5)

            deployment.isolate(leader)
            let newLeader = try await deployment.waitForLeader(among: majority)
            let during = await Self.writeLoop(deployment, via: majority[1], prefix: "During", count: 5)
            #expect(during.count == 5, "the majority takes writes")

            let isolated = try deployment.client(token: deployment.adminToken, only: leader)
            let refused = try await isolated.json(.POST, "/v1/secrets", raw: #"{"name": "Minority", "value": "lost"}"#)
            await isolated.shutdown()
            #expect(refused.status == 503, "the minority refuses writes: \(refused.text)")
            #expect(refused.errorMessage.contains("leader") || refused.errorMessage.contains("may or may not"))
            let oldLeaderView = try await deployment.status(of: leader)
            #expect(oldLeaderView["leader"] as? String != "node\(leader)", "the isolated leader stepped down")

            deployment.healAll()
            try await deployment.waitConverged([1, 2, 3])
            let expected = before.merging(during) { $1 }
            for index in 1...3 {
                let contents = try await Self.contents(of: deployment, node: index)
                #expect(contents == expected, "node\(index) converged on exactly the majority's writes")
            }
            _ = newLeader
        }
    }
}
