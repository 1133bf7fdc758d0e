import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// The README's tour, through the real CLI against a real node.
    @Suite("Single node: the tour")
    struct SingleNodeTourTests {
        @Test func createRenderRotateDelete() async throws {
            let deployment = try Deployment()
            try await deployment.start()

            let created = try deployment.cli(["secret", "create", "ApiKey"], input: "first-value\n")
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stderr.contains("Created secret 'ApiKey' (version 1)"))
            #expect(!created.text.contains("first-value"), "a given value is never printed back")

            let template = "POST /v1/x HTTP/1.1\r\nAuthorization: Bearer {{ secrets.apikey }}\r\n\r\n{\"k\": \"{{Secrets.ApiKey|json}}\", \"v\": \"{{Variables.x}}\"}"
            let rendered = try deployment.cli(["render", "--placement", "http"], input: template, tokenFile: "render")
            #expect(rendered.status == 0, "\(rendered.stderr)")
            #expect(rendered.text == "POST /v1/x HTTP/1.1\r\nAuthorization: Bearer first-value\r\n\r\n{\"k\": \"first-value\", \"v\": \"{{Variables.x}}\"}")

            let rotated = try deployment.cli(["secret", "rotate", "APIKEY"], input: "second-value")
            #expect(rotated.status == 0, "\(rotated.stderr)")
            #expect(rotated.stderr.contains("version 2"))
            let afterRotation = try deployment.cli(["render", "--show-generation"], input: "{{Secrets.ApiKey}}", tokenFile: "render")
            #expect(afterRotation.text == "second-value")
            #expect(afterRotation.stderr.contains("generation"))

            let listed = try deployment.cli(["secret", "list", "--json"])
            let secrets = try #require((try JSONSerialization.jsonObject(with: Data(listed.stdout)) as? [String: Any])?["secrets"] as? [[String: Any]])
            #expect(secrets.map { $0["name"] as? String } == ["ApiKey"])
            #expect(secrets.map { $0["version"] as? Int } == [2])
            #expect(!listed.text.contains("second-value"))

            let shown = try deployment.cli(["secret", "show", "apikey", "--json"])
            #expect(shown.status == 0)
            #expect(!shown.text.contains("value\""), "metadata only")

            let deleted = try deployment.cli(["secret", "delete", "ApiKey"])
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let afterDelete = try deployment.cli(["render"], input: "{{Secrets.ApiKey}}", tokenFile: "render")
            #expect(afterDelete.status == 1)
            #expect(afterDelete.stderr.contains("1:1: unknown secret 'ApiKey'"))
            #expect(afterDelete.stdout.isEmpty, "nothing is rendered on an error")
        }

        @Test func generatedValuesAreShownOnceAndRenderable() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let created = try deployment.cli(["secret", "create", "Signing_Key", "--generate", "--length", "40"])
            #expect(created.status == 0, "\(created.stderr)")
            let value = created.text.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(value.count == 40)
            #expect(value.allSatisfy { $0.isLetter || $0.isNumber })
            let rendered = try deployment.cli(["render"], input: "{{Secrets.signing_key}}", tokenFile: "render")
            #expect(rendered.text == value)
            let shown = try deployment.cli(["secret", "show", "Signing_Key", "--json"])
            #expect(!shown.text.contains(value))
        }

        @Test func tokensAreShownOnceAndCanBeRevoked() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let created = try deployment.cli(["token", "create", "--role", "render", "--name", "ci"])
            #expect(created.status == 0, "\(created.stderr)")
            let token = created.text.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.hasPrefix("cft_"))
            let listed = try deployment.cli(["token", "list", "--json"])
            #expect(!listed.text.contains(token), "a token is never shown again")
            let id = String(token.dropFirst(4).prefix(16))
            #expect(listed.text.contains(id))

            let client = try deployment.client(token: token)
            #expect(try await client.send(.POST, "/v1/render", body: Array("plain".utf8)).status == 200)
            #expect(try deployment.cli(["token", "revoke", id]).status == 0)
            #expect(try await client.send(.POST, "/v1/render", body: Array("plain".utf8)).status == 401)
            await client.shutdown()
        }

        @Test func theAuditTrailNamesWhoDidWhat() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            _ = try deployment.cli(["secret", "create", "A"], input: "1")
            _ = try deployment.cli(["secret", "rotate", "A"], input: "2")
            _ = try deployment.cli(["secret", "delete", "A"])
            let audit = try deployment.cli(["audit", "--json"], tokenFile: "admin")
            let events = try #require((try JSONSerialization.jsonObject(with: Data(audit.stdout)) as? [String: Any])?["events"] as? [[String: Any]])
            // The node's term as leader first (written by the node itself), then the admin's changes.
            #expect(events.compactMap { $0["action"] as? String } == ["cluster.leader", "secret.create", "secret.rotate", "secret.delete"])
            #expect(events.first?["actor"] as? String == "system" && events.first?["target"] as? String == "node1 leads term 2")
            #expect(events.dropFirst().allSatisfy { $0["actor"] as? String == "dev-admin" })
        }
    }
}
