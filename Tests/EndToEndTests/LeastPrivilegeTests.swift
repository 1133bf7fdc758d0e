import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// What a stolen token can reach, on a live 3-node cluster: only the secrets of its scope,
    /// only until it expires, only from its networks.
    @Suite("Least privilege on a live cluster")
    struct LeastPrivilegeTests {
        static func made(_ result: CommandResult) throws -> String {
            let token = result.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard result.status == 0, token.hasPrefix("cft_") else { throw HarnessError("token create failed: \(result.stderr)") }
            return token
        }

        static func render(_ client: CofferClient, _ template: String) async throws -> ClientResponse {
            try await client.send(.POST, "/v1/render", body: Array(template.utf8))
        }

        @Test func scopedTokensReachOnlyTheirSecrets() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            for name in ["Payments_Key", "Payments_EU", "Webhook_Prod", "Other"] {
                #expect(try await admin.json(.POST, "/v1/secrets", ["name": name, "value": "value-of-\(name)"]).status == 201)
            }

            // A render token scoped to Payments*: in scope renders; out of scope, existing or
            // not, the same 403 with the position and no output.
            let gateway = try deployment.client(token: try Self.made(try deployment.cli(
                ["token", "create", "--role", "render", "--name", "gw", "--secrets", "Payments*"])))
            defer { Task { await gateway.shutdown() } }
            let inScope = try await Self.render(gateway, "{{Secrets.payments_key}}")
            let rendered = inScope.status == 200 && inScope.text == "value-of-Payments_Key"
            #expect(rendered, "in scope answered \(inScope.status)")
            let existing = try await Self.render(gateway, "a {{Secrets.Payments_EU}}\n  {{Secrets.Other}}")
            let missing = try await Self.render(gateway, "a {{Secrets.Payments_EU}}\n  {{Secrets.Nowhere}}")
            // Each check is one Bool, so a failure prints statuses, never an answer that might hold a value.
            #expect(existing.status == 403 && missing.status == 403, "answered \(existing.status) and \(missing.status)")
            let noOutput = !existing.text.contains("value-of") && !missing.text.contains("value-of")
            #expect(noOutput, "no output with a refusal")
            let alike = existing.text.replacingOccurrences(of: "Other", with: "X") == missing.text.replacingOccurrences(of: "Nowhere", with: "X")
            #expect(alike, "an existing and a missing name answer alike")
            let positioned = existing.text.contains(#""kind":"out_of_scope""#) && existing.text.contains(#""line":2"#)
                && existing.text.contains(#""column":3"#)
            #expect(positioned, "the refusal names the reference's kind, line and column")
            let unknownInScope = try await Self.render(gateway, "{{Secrets.Payments_Nope}}")
            let unknown = unknownInScope.status == 422 && unknownInScope.text.contains("unknown_secret")
            #expect(unknown, "an unknown name in scope answered \(unknownInScope.status)")

            // A scoped admin changes only its secrets and makes no broader token.
            let scopedAdminToken = try Self.made(try deployment.cli(["token", "create", "--role", "admin", "--name", "pay-admin", "--secrets", "Payments*"]))
            let payAdmin = try deployment.client(token: scopedAdminToken)
            defer { Task { await payAdmin.shutdown() } }
            #expect(try await payAdmin.json(.PUT, "/v1/secrets/Other", ["value": "x"]).status == 403)
            #expect(try await payAdmin.send(.DELETE, "/v1/secrets/Webhook_Prod").status == 403)
            #expect(try await payAdmin.json(.POST, "/v1/rotations", ["rollback": ["Payments_EU", "Other"]]).status == 403)
            #expect(try await payAdmin.json(.PUT, "/v1/secrets/Payments_EU", ["generate": ["length": 24]]).status == 200)
            let broader = try await payAdmin.json(.POST, "/v1/tokens", ["role": "render", "name": "all"])
            #expect(broader.status == 403 && broader.errorMessage.contains("broader"), "\(broader.errorMessage)")
            #expect(try await payAdmin.json(.POST, "/v1/tokens", ["role": "audit", "name": "eu", "secrets": ["Payments_EU"]]).status == 201)
            // It sees and revokes only tokens within its scope, and changes nothing cluster-wide.
            let everyToken = try await admin.object(.GET, "/v1/tokens")["tokens"] as? [[String: Any]] ?? []
            let firstAdmin = try #require(everyToken.first { $0["role"] as? String == "admin" && ($0["secrets"] as? [String])?.isEmpty == true })
            let visible = try await payAdmin.object(.GET, "/v1/tokens")["tokens"] as? [[String: Any]] ?? []
            #expect(Set(visible.compactMap { $0["name"] as? String }) == ["gw", "pay-admin", "eu"])
            #expect(try await payAdmin.send(.DELETE, "/v1/tokens/\(try #require(firstAdmin["id"] as? String))").status == 403)
            #expect(try await payAdmin.json(.PUT, "/v1/cluster/settings", ["max_token_ttl": "none"]).status == 403)
            #expect(try await payAdmin.json(.POST, "/v1/cluster/leader", ["id": "node2"]).status == 403)

            // A scoped audit token sees only its secrets, their audit lines included.
            let auditor = try deployment.client(token: try Self.made(try deployment.cli(
                ["token", "create", "--role", "audit", "--name", "aud", "--secrets", "Webhook*"])))
            defer { Task { await auditor.shutdown() } }
            let listed = try await auditor.send(.GET, "/v1/secrets").text
            #expect(listed.contains("Webhook_Prod") && !listed.contains("Payments") && !listed.contains("Other"), "\(listed)")
            #expect(try await auditor.send(.GET, "/v1/secrets/Other").status == 403)
            let trail = try await auditor.send(.GET, "/v1/audit").text
            #expect(trail.contains("Webhook_Prod") && !trail.contains("Payments") && !trail.contains("token."))
            // A page at a time, it reaches the same lines past everyone else's.
            var paged: [String] = []
            var after = 0
            while true {
                let page = try await auditor.object(.GET, "/v1/audit?limit=1&after=\(after)")
                paged += (page["events"] as? [[String: Any]] ?? []).compactMap { $0["target"] as? String }
                guard let next = page["next_after"] as? Int else { break }
                after = next
            }
            #expect(paged == ["Webhook_Prod"])
        }

        @Test func expiringAndNetworkBoundTokens() async throws {
            let deployment = try Deployment(nodes: 3)
            _ = try await deployment.startAll()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", ["name": "Key", "value": "k"]).status == 201)

            let shortLived = try Self.made(try deployment.cli(["token", "create", "--role", "render", "--name", "short", "--ttl", "2s"]))
            let started = ContinuousClock.now
            for index in 1...3 {
                let one = try deployment.client(token: shortLived, only: index)
                defer { Task { await one.shutdown() } }
                let early = try await Self.render(one, "{{Secrets.Key}}")
                #expect(early.status == 200 || ContinuousClock.now - started > .seconds(2), "node\(index) before expiry: \(early.status)")
            }
            try await Task.sleep(until: started + .milliseconds(2_600))
            for index in 1...3 {
                let one = try deployment.client(token: shortLived, only: index)
                defer { Task { await one.shutdown() } }
                let late = try await Self.render(one, "{{Secrets.Key}}")
                #expect(late.status == 401 && late.errorMessage == "token expired", "node\(index): \(late.status) \(late.errorMessage)")
            }

            let elsewhere = try deployment.client(token: try Self.made(try deployment.cli(
                ["token", "create", "--role", "render", "--name", "ten", "--allow-cidr", "10.0.0.0/8"])))
            let here = try deployment.client(token: try Self.made(try deployment.cli(
                ["token", "create", "--role", "render", "--name", "loop", "--allow-cidr", "127.0.0.0/8", "--allow-cidr", "::1/128"])))
            defer { Task { await elsewhere.shutdown(); await here.shutdown() } }
            let refused = try await Self.render(elsewhere, "{{Secrets.Key}}")
            #expect(refused.status == 401 && refused.errorMessage == "a valid bearer token is required", "the answer of a wrong token")
            #expect(try await Self.render(here, "{{Secrets.Key}}").status == 200)
            let listed = try deployment.cli(["token", "list"]).text
            #expect(listed.contains("10.0.0.0/8") && listed.contains("127.0.0.0/8,::1/128"))

            // A cluster-wide cap on lifetimes: longer or endless tokens are refused, until it is lifted.
            #expect(try deployment.cli(["cluster", "settings", "--max-token-ttl", "1h"]).text.contains("max token lifetime: 3600 s"))
            for extra in [[], ["--ttl", "2h"]] {
                let refused = try deployment.cli(["token", "create", "--role", "audit", "--name", "long"] + extra)
                #expect(refused.status != 0 && refused.stderr.contains("at most 3600 seconds"), "\(extra): \(refused.stderr)")
            }
            #expect(try deployment.cli(["token", "create", "--role", "audit", "--name", "short", "--ttl", "30m"]).status == 0)
            #expect(try deployment.cli(["cluster", "settings", "--max-token-ttl", "none"]).text.contains("max token lifetime: none"))
            #expect(try deployment.cli(["token", "create", "--role", "audit", "--name", "long"]).status == 0)

            // Bad grants are refused with 400 and make nothing.
            let before = try await admin.send(.GET, "/v1/tokens").text
            let bad: [[String: Any]] = [
                ["secrets": [""]], ["secrets": ["a.b"]], ["secrets": ["Pay ments"]], ["ttl": "0s"], ["ttl": "-5s"],
                ["ttl": "20000d"], ["ttl": "2 weeks"], ["allow_cidr": ["10.0.0.0/33"]], ["allow_cidr": ["10.0.0.1"]],
                ["allow_cidr": ["example.com/8"]],
            ]
            for fields in bad {
                let response = try await admin.json(.POST, "/v1/tokens", fields.merging(["role": "render", "name": "bad"]) { old, _ in old })
                #expect(response.status == 400, "\(fields): \(response.status) \(response.errorMessage)")
            }
            #expect(try await admin.send(.GET, "/v1/tokens").text == before)
        }
    }
}
