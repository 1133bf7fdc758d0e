import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// A secret's versions: the last ten keep their values, and a rollback can go to any of them.
    @Suite("Versions and rollback to a version")
    struct VersionsTests {
        static func versions(_ deployment: Deployment) throws -> [[String: Any]] {
            let result = try deployment.cli(["secret", "versions", "Key", "--json"])
            let object = (try? JSONSerialization.jsonObject(with: Data(result.text.utf8))) as? [String: Any]
            guard result.status == 0, let versions = object?["versions"] as? [[String: Any]] else {
                throw HarnessError("secret versions failed: \(result.stderr)")
            }
            return versions
        }

        @Test func aRollbackGoesToAnyKeptVersionOnEveryNode() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", ["name": "Key", "value": "value-1"]).status == 201)
            for version in 2...3 { #expect(try await admin.json(.PUT, "/v1/secrets/Key", ["value": "value-\(version)"]).status == 200) }

            let back = try deployment.cli(["secret", "rollback", "Key", "--to-version", "1"])
            #expect(back.status == 0, "\(back.stderr)")
            for index in 1...3 {
                let render = try deployment.client(token: deployment.renderToken, only: index)
                defer { Task { await render.shutdown() } }
                let answer = try await render.send(.POST, "/v1/render?consistency=linearizable", body: Array("{{Secrets.Key}}".utf8))
                let same = answer.status == 200 && answer.text == "value-1"
                #expect(same, "node\(index) renders version 1's value as version 4")
            }
            let versions = try Self.versions(deployment)
            #expect(versions.map { ($0["version"] as? NSNumber)?.intValue ?? 0 } == [4, 3, 2, 1])
            #expect(versions.first?["current"] as? Bool == true && versions.allSatisfy { $0["kept"] as? Bool == true })
            #expect(versions.first?["last_use"] is String && versions.last?["last_use"] is NSNull, "only version 4 was rendered")
            let table = try deployment.cli(["secret", "versions", "Key"]).text
            #expect(table.contains("current") && table.contains("never") && !table.contains("value-"))

            // Not an earlier version, not kept any more, or more than one secret: refused, nothing changes.
            for bad in [["Key", "--to-version", "4"], ["Key", "--to-version", "9"], ["Key", "Other", "--to-version", "1"]] {
                #expect(try deployment.cli(["secret", "rollback"] + bad).status != 0, "\(bad)")
            }
            #expect(try await admin.json(.POST, "/v1/rotations", ["rollback": ["Key", "Other"], "to_version": 1] as [String: Any]).status == 400)
            for version in 5...14 { #expect(try await admin.json(.PUT, "/v1/secrets/Key", ["value": "value-\(version)"]).status == 200) }
            let gone = try deployment.cli(["secret", "rollback", "Key", "--to-version", "4"])
            #expect(gone.status != 0 && gone.stderr.contains("no longer kept"), "\(gone.stderr)")
            #expect(try deployment.cli(["secret", "rollback", "Key", "--to-version", "5"]).status == 0)
            #expect(try Self.versions(deployment).first?["version"] as? NSNumber == 15)

            // Fewer kept versions: the older values go on every member at once.
            let fewer = try deployment.cli(["cluster", "settings", "--kept-versions", "2"])
            #expect(fewer.status == 0 && fewer.text.contains("kept versions: 2"), "\(fewer.stderr)")
            let kept = try Self.versions(deployment).filter { $0["kept"] as? Bool == true }.map { ($0["version"] as? NSNumber)?.intValue ?? 0 }
            #expect(kept == [15, 14])
            let dropped = try deployment.cli(["secret", "rollback", "Key", "--to-version", "13"])
            #expect(dropped.status != 0 && dropped.stderr.contains("the last 2 versions are"), "\(dropped.stderr)")
            #expect(try deployment.cli(["cluster", "settings", "--kept-versions", "0"]).status != 0)
        }
    }
}
