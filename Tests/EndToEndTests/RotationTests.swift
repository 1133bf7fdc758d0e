import CofferClient
import Foundation
import NIOHTTP1
import Testing

extension EndToEnd {
    /// Rotation as one cluster-wide step: renders never mix old and new values, the answer
    /// says which members applied it, and a rejected rotation changes nothing.
    @Suite("Rotation: atomic across the cluster", .serialized)
    struct RotationTests {
        static let pairTemplate = "{{Secrets.A}}:{{Secrets.B}}"

        /// A fresh value made here, sent only in request bodies, never printed.
        static func freshValue() -> String {
            var generator = SystemRandomNumberGenerator()
            return (0..<12).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        }

        struct Render {
            let node: Int
            let generation: Int
            let text: String
        }

        static func render(_ client: CofferClient, node: Int) async throws -> Render {
            let response = try await client.send(.POST, "/v1/render", body: Array(pairTemplate.utf8), contentType: "text/plain")
            guard response.status == 200, let generation = response.headers.first(name: "Coffer-Generation").flatMap(Int.init) else {
                throw HarnessError("render on node\(node) answered \(response.status): \(response.errorMessage)")
            }
            return Render(node: node, generation: generation, text: response.text)
        }

        static func post(_ client: CofferClient, _ body: [String: Any]) async throws -> (status: Int, object: [String: Any], error: String) {
            let response = try await client.json(.POST, "/v1/rotations", body)
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
            return (response.status, object, response.status == 200 ? "" : response.errorMessage)
        }

        static func memberStates(_ answer: [String: Any]) -> [String: String] {
            var states: [String: String] = [:]
            for member in answer["members"] as? [[String: Any]] ?? [] {
                states[member["id"] as? String ?? "?"] = member["state"] as? String
            }
            return states
        }

        static func versions(_ client: CofferClient) async throws -> [String: Int] {
            let secrets = try await client.object(.GET, "/v1/secrets")["secrets"] as? [[String: Any]] ?? []
            var versions: [String: Int] = [:]
            for secret in secrets { versions[secret["name"] as? String ?? "?"] = secret["version"] as? Int }
            return versions
        }

        static func createPair(_ deployment: Deployment) async throws -> (a: String, b: String) {
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            let pair = (Self.freshValue(), Self.freshValue())
            for (name, value) in [("A", pair.0), ("B", pair.1)] {
                let created = try await admin.json(.POST, "/v1/secrets", ["name": name, "value": value])
                guard created.status == 201 else { throw HarnessError("create \(name): \(created.errorMessage)") }
            }
            return pair
        }

        /// Set by the rotating task when it is done; read by the render loops.
        final class StopFlag: @unchecked Sendable {
            private let lock = NSLock()
            private var stopped = false
            var isSet: Bool { lock.withLock { stopped } }
            func set() { lock.withLock { stopped = true } }
        }

        @Test func continuousRendersNeverPairAnOldValueWithANewOne() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            _ = try await Self.createPair(deployment)
            let admins = try (1...3).map { try deployment.client(token: deployment.adminToken, only: $0) }
            let renderers = try (1...3).map { try deployment.client(token: deployment.renderToken, only: $0) }
            defer { Task { for client in admins + renderers { await client.shutdown() } } }

            // A first joint rotation, applied everywhere, fixes the pair renders start from.
            var history: [(index: Int, pair: String)] = []
            let first = (Self.freshValue(), Self.freshValue())
            let start = try await Self.post(admins[0], ["values": ["A": first.0, "B": first.1], "wait_ms": 20_000])
            #expect(start.status == 200 && start.object["complete"] as? Bool == true, "\(start.error)")
            history.append((start.object["index"] as? Int ?? 0, "\(first.0):\(first.1)"))

            let stop = StopFlag()
            let rotations = 8
            let outputs = try await withThrowingTaskGroup(of: [Render].self) { group in
                for node in 1...3 {
                    let client = renderers[node - 1]
                    group.addTask {
                        var seen: [Render] = []
                        while !stop.isSet { seen.append(try await Self.render(client, node: node)) }
                        return seen
                    }
                }
                // Rotate A and B together, through each node in turn (followers forward).
                for step in 0..<rotations {
                    let pair = (Self.freshValue(), Self.freshValue())
                    // Every other one does not wait for the followers, so they apply while the next arrives.
                    var body: [String: Any] = ["values": ["A": pair.0, "B": pair.1]]
                    if step % 2 == 1 { body["wait_ms"] = 0 }
                    let answer = try await Self.post(admins[step % 3], body)
                    #expect(answer.status == 200, "rotation \(step): \(answer.error)")
                    let index = answer.object["index"] as? Int ?? 0
                    #expect((answer.object["generation"] as? Int ?? 0) >= index, "a generation holds every entry up to it")
                    history.append((index, "\(pair.0):\(pair.1)"))
                    if step % 2 == 0 { try await Task.sleep(for: .milliseconds(150)) }
                }
                stop.set()
                var all: [Render] = []
                for try await seen in group { all += seen }
                return all
            }

            // A table of generation G holds every entry up to G: the pair of the last rotation at or below it.
            let known = Set(history.map(\.pair))
            var torn = 0, mismatched = 0
            for output in outputs {
                if !known.contains(output.text) { torn += 1 }
                let expected = history.last { $0.index <= output.generation }?.pair
                if output.text != expected { mismatched += 1 }
            }
            print("rotation e2e: \(outputs.count) renders, \(rotations + 1) rotations at indexes \(history.map(\.index)), generations seen "
                  + (1...3).map { node in "node\(node) \(Set(outputs.filter { $0.node == node }.map(\.generation)).sorted())" }.joined(separator: ", "))
            #expect(torn == 0, "renders that paired values of different rotations")
            #expect(mismatched == 0, "renders whose values differ from the generation they report")
            for node in 1...3 { #expect(outputs.contains { $0.node == node }, "node\(node) rendered") }
            let latest = history.last!.pair
            let sawLatest = outputs.contains { $0.text == latest }
            #expect(sawLatest, "the last rotation was seen by the renders")
        }

        @Test func theAnswerListsEveryMemberAsAppliedAndLaterRendersUseOnlyNewValues() async throws {
            let deployment = try Deployment(nodes: 3)
            let leader = try await deployment.startAll()
            let original = try await Self.createPair(deployment)
            let renderers = try (1...3).map { try deployment.client(token: deployment.renderToken, only: $0) }
            defer { Task { for client in renderers { await client.shutdown() } } }

            func expectEveryNodeRenders(_ pair: String, from index: Int, _ what: String) async throws {
                for node in 1...3 {
                    let output = try await Self.render(renderers[node - 1], node: node)
                    let renderedNew = output.text == pair  // a Bool, so a failure never prints a value
                    #expect(renderedNew, "\(what): node\(node) renders the new values")
                    #expect(output.generation >= index, "\(what): node\(node) reports a generation holding the rotation")
                }
            }

            // The CLI, values from a file (never argv), sent to a follower first in the address list.
            let follower = [1, 2, 3].first { $0 != leader }!
            let pair = (Self.freshValue(), Self.freshValue())
            let file = deployment.directory + "/values.json"
            try JSONSerialization.data(withJSONObject: ["A": pair.0, "b": pair.1]).write(to: URL(fileURLWithPath: file))
            let rotated = try run(Binary.coffer, ["secret", "rotate", "A", "B", "--values-file", file, "--json"], environment: [
                "COFFER_ADDR": deployment.url(follower),
                "COFFER_CACERT": deployment.directory + "/ca.pem",
                "COFFER_TOKEN_FILE": deployment.directory + "/admin.token",
            ])
            #expect(rotated.status == 0, "\(rotated.stderr)")
            let answer = (try? JSONSerialization.jsonObject(with: Data(rotated.stdout))) as? [String: Any] ?? [:]
            #expect(answer["complete"] as? Bool == true)
            #expect(Self.memberStates(answer) == ["node1": "applied", "node2": "applied", "node3": "applied"])
            let index = answer["index"] as? Int ?? .max
            for member in answer["members"] as? [[String: Any]] ?? [] {
                #expect((member["applied_index"] as? Int ?? 0) >= index)
            }
            #expect((answer["secrets"] as? [[String: Any]])?.map { "\($0["name"] ?? ""):\($0["version"] ?? "")" } == ["A:2", "B:2"])
            let echoed = answer["values"] != nil
            #expect(!echoed, "given values are never echoed")
            try await expectEveryNodeRenders("\(pair.0):\(pair.1)", from: index, "values file")

            // Generated on the leader, shown once in the answer.
            let generated = try deployment.cli(["secret", "rotate", "A", "B", "--generate", "--length", "20", "--json"])
            #expect(generated.status == 0, "\(generated.stderr)")
            let generatedAnswer = (try? JSONSerialization.jsonObject(with: Data(generated.stdout))) as? [String: Any] ?? [:]
            let values = generatedAnswer["values"] as? [String: String] ?? [:]
            let lengthsRight = values["A"]?.count == 20 && values["B"]?.count == 20
            #expect(lengthsRight, "a generated value of the asked length each")
            #expect(generatedAnswer["complete"] as? Bool == true)
            try await expectEveryNodeRenders("\(values["A"] ?? "-"):\(values["B"] ?? "-")",
                                             from: generatedAnswer["index"] as? Int ?? .max, "generated")

            // Rolling back is one more rotation: new versions, the previous values.
            let rolledBack = try deployment.cli(["secret", "rollback", "A", "B", "--json"])
            #expect(rolledBack.status == 0, "\(rolledBack.stderr)")
            let rollback = (try? JSONSerialization.jsonObject(with: Data(rolledBack.stdout))) as? [String: Any] ?? [:]
            #expect(rollback["kind"] as? String == "rollback" && rollback["complete"] as? Bool == true)
            #expect((rollback["secrets"] as? [[String: Any]])?.map { "\($0["version"] ?? "")" } == ["4", "4"])
            try await expectEveryNodeRenders("\(pair.0):\(pair.1)", from: rollback["index"] as? Int ?? .max, "rollback")
            // Ids are unique and sort in the order the leader proposed them.
            let ids = [answer["id"], generatedAnswer["id"], rollback["id"]].map { $0 as? String ?? "" }
            #expect(Set(ids).count == 3 && ids == ids.sorted(), "rotation ids \(ids)")

            // The audit trail names each step with its rotation id.
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            let events = try await admin.object(.GET, "/v1/audit")["events"] as? [[String: Any]] ?? []
            let rollbackID = rollback["id"] as? String ?? "?"
            #expect(events.filter { $0["rotation_id"] as? String == rollbackID }.map { $0["action"] as? String ?? "" }
                    == ["secret.rollback", "secret.rollback"])
            #expect(events.filter { $0["rotation_id"] as? String == answer["id"] as? String }.count == 2)
            _ = original
        }

        @Test func aDownFollowerIsReportedAndTurnsAppliedAfterItRestarts() async throws {
            let deployment = try Deployment(nodes: 3)
            let leader = try await deployment.startAll()
            _ = try await Self.createPair(deployment)
            let down = [1, 2, 3].first { $0 != leader }!
            deployment.kill9(down)
            let admin = try deployment.client(token: deployment.adminToken, only: leader)
            defer { Task { await admin.shutdown() } }

            let pair = (Self.freshValue(), Self.freshValue())
            let answer = try await Self.post(admin, ["values": ["A": pair.0, "B": pair.1], "wait_ms": 3_000])
            #expect(answer.status == 200, "\(answer.error)")
            #expect(answer.object["complete"] as? Bool == false)
            let states = Self.memberStates(answer.object)
            #expect(states.count == 3)
            #expect(states["node\(down)"] == "unreachable" || states["node\(down)"] == "pending", "\(states)")
            for node in [1, 2, 3] where node != down { #expect(states["node\(node)"] == "applied", "node\(node)") }
            let id = answer.object["id"] as? String ?? "?"

            // By now the leader has missed the member for longer than an election timeout.
            let later = try await Self.post(admin, ["names": ["A", "B"], "generate": [:], "wait_ms": 3_000])
            #expect(later.status == 200, "\(later.error)")
            #expect(Self.memberStates(later.object)["node\(down)"] == "unreachable")
            let laterID = later.object["id"] as? String ?? "?"

            try await deployment.start(down)
            for rotation in [id, laterID] {
                var status: [String: Any] = [:]
                for _ in 0..<300 {
                    status = try await admin.object(.GET, "/v1/rotations/\(rotation)")
                    if status["complete"] as? Bool == true { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(status["complete"] as? Bool == true, "\(Self.memberStates(status))")
                #expect(Self.memberStates(status) == ["node1": "applied", "node2": "applied", "node3": "applied"])
                let shown = status["values"] != nil
                #expect(!shown, "a later status never shows values")
            }

            // The restarted member itself answers the status (through the leader) and renders the new pair.
            let printed = try run(Binary.coffer, ["rotation", "status", id], environment: [
                "COFFER_ADDR": deployment.url(down),
                "COFFER_CACERT": deployment.directory + "/ca.pem",
                "COFFER_TOKEN_FILE": deployment.directory + "/admin.token",
            ])
            #expect(printed.status == 0, "\(printed.stderr)")
            #expect(printed.text.contains("applied on every member"))
            let renderer = try deployment.client(token: deployment.renderToken, only: down)
            defer { Task { await renderer.shutdown() } }
            let generated = later.object["values"] as? [String: String] ?? [:]
            let renderedNew = try await Self.render(renderer, node: down).text == "\(generated["A"] ?? "-"):\(generated["B"] ?? "-")"
            #expect(renderedNew, "the restarted member renders the latest values")
        }

        @Test func theLargestRotationIsOneStep() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            let count = 1_000
            let names = (0..<count).map { "S\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<16 {
                    group.addTask {
                        for name in names[...].enumerated().filter({ $0.offset % 16 == lane }).map(\.element) {
                            let created = try await admin.json(.POST, "/v1/secrets", ["name": name, "generate": [:]])
                            guard created.status == 201 else { throw HarnessError("create \(name): \(created.errorMessage)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let tooMany = try await Self.post(admin, ["names": names + ["S1000"], "generate": [:]])
            #expect(tooMany.status == 413, "\(tooMany.error)")

            let answer = try await Self.post(admin, ["names": names, "generate": ["length": 32], "wait_ms": 30_000])
            #expect(answer.status == 200, "\(answer.error)")
            #expect(answer.object["complete"] as? Bool == true, "\(answer.object["members"] ?? "-") index \(answer.object["index"] ?? "-")")
            let secrets = answer.object["secrets"] as? [[String: Any]] ?? []
            #expect(secrets.count == count && secrets.allSatisfy { $0["version"] as? Int == 2 })
            let generatedCount = (answer.object["values"] as? [String: String])?.count
            #expect(generatedCount == count)
            let versions = try await Self.versions(admin)
            #expect(versions.count == count && versions.values.allSatisfy { $0 == 2 })
        }

        @Test func aRejectedRotationChangesNoSecret() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            let original = try await Self.createPair(deployment)
            let admin = try deployment.client(token: deployment.adminToken)
            let renderers = try (1...3).map { try deployment.client(token: deployment.renderToken, only: $0) }
            defer { Task { for client in [admin] + renderers { await client.shutdown() } } }
            let before = try await Self.versions(admin)

            let cases: [(String, [String: Any], Int, String)] = [
                ("unknown name", ["values": ["A": Self.freshValue(), "Missing": Self.freshValue(), "B": Self.freshValue()]],
                 404, "no secret named 'Missing'"),
                ("empty value", ["values": ["A": Self.freshValue(), "B": ""]], 400, "must not be empty"),
                ("too long", ["values": ["A": Self.freshValue(), "B": String(repeating: "x", count: 70_000)]], 413, "at most"),
                ("listed twice", ["names": ["A", "a"], "generate": [:]], 400, "listed twice"),
                ("generate unknown", ["names": ["A", "Missing"], "generate": ["length": 16]], 404, "Missing"),
                ("no previous version", ["rollback": ["A", "B"]], 409, "no previous version"),
                ("two forms", ["values": ["A": "x"], "rollback": ["B"]], 400, "exactly one"),
                ("wait out of bounds", ["values": ["A": Self.freshValue()], "wait_ms": 600_000], 400, "wait_ms"),
            ]
            for (what, body, status, message) in cases {
                let answer = try await Self.post(admin, body)
                #expect(answer.status == status, "\(what): \(answer.status) \(answer.error)")
                #expect(answer.error.contains(message), "\(what): \(answer.error)")
            }
            let cli = try deployment.cli(["secret", "rotate", "A", "Missing", "--generate"])
            #expect(cli.status != 0 && cli.stderr.contains("Missing"))
            let printedNothing = cli.stdout.isEmpty
            #expect(printedNothing, "nothing generated is shown for a rejected rotation")

            #expect(try await Self.versions(admin) == before)
            #expect(before == ["A": 1, "B": 1])
            for node in 1...3 {
                let unchanged = try await Self.render(renderers[node - 1], node: node).text == "\(original.a):\(original.b)"
                #expect(unchanged, "node\(node) still renders the original values")
            }
            let unknown = try await admin.send(.GET, "/v1/rotations/rot_0000000000000000")
            #expect(unknown.status == 404)
        }
    }
}
