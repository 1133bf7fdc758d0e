import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// The README's promise that an admin cannot read values, kept by the two-person rule:
    /// on a live 3-node cluster, a render or admin token one admin makes does nothing until
    /// an admin of another line approves it, on every node.
    @Suite("Two-person rule on a live cluster")
    struct TwoPersonRuleTests {
        static func madeToken(_ result: CommandResult) throws -> (id: String, token: String) {
            let token = result.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard result.status == 0, let id = Tokens.id(of: token) else {
                throw HarnessError("token create failed: \(result.stderr)")
            }
            return (id, token)
        }

        @Test func aRenderTokenWorksOnlyOnceASecondAdminApprovesIt() async throws {
            let deployment = try Deployment(nodes: 3, tokenApprovals: 2)
            _ = try await deployment.startAll()
            #expect(try deployment.cli(["cluster", "settings"]).text.contains("token approvals: 2"))
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", raw: #"{"name": "Stripe_Key", "value": "e2e-two-person"}"#).status == 201)

            // One admin makes a render token: it is shown, but answers 401 on every node.
            let created = try deployment.cli(["token", "create", "--role", "render", "--name", "gateway"])
            let gateway = try Self.madeToken(created)
            #expect(created.stderr.contains("coffer token approve \(gateway.id)"))
            for index in 1...3 {
                let one = try deployment.client(token: gateway.token, only: index)
                defer { Task { await one.shutdown() } }
                let refused = try await one.send(.POST, "/v1/render", body: Array("{{Secrets.Stripe_Key}}".utf8))
                // Checked into one Bool, so a failure prints the status and never a rendered value.
                let awaits = refused.status == 401 && refused.errorMessage.contains("awaits a second admin's approval")
                #expect(awaits, "node\(index) answered \(refused.status)")
            }

            // It cannot approve its own request, nor can a second identity it mints.
            let own = try deployment.cli(["token", "approve", gateway.id])
            #expect(own.status != 0 && own.stderr.contains("cannot approve"), "\(own.stderr)")
            let helper = try Self.madeToken(try deployment.cli(["token", "create", "--role", "admin", "--name", "helper"]))
            try deployment.saveToken(helper.token, as: "helper")
            #expect(try deployment.cli(["token", "approve", gateway.id], tokenFile: "helper").stderr.contains("awaits"))
            #expect(try deployment.cli(["token", "approve", helper.id], tokenFile: "admin2").status == 0)
            let sameLine = try deployment.cli(["token", "approve", gateway.id], tokenFile: "helper")
            #expect(sameLine.status != 0 && sameLine.stderr.contains("whose holder may hold both"), "\(sameLine.stderr)")

            // The second admin approves: every node renders with it.
            let approved = try deployment.cli(["token", "approve", gateway.id], tokenFile: "admin2")
            #expect(approved.status == 0, "\(approved.stderr)")
            for index in 1...3 {
                let one = try deployment.client(token: gateway.token, only: index)
                defer { Task { await one.shutdown() } }
                var rendered = try await one.send(.POST, "/v1/render", body: Array("{{Secrets.Stripe_Key}}".utf8))
                for _ in 0..<50 where rendered.status == 401 {
                    try await Task.sleep(for: .milliseconds(100))
                    rendered = try await one.send(.POST, "/v1/render", body: Array("{{Secrets.Stripe_Key}}".utf8))
                }
                let matches = rendered.status == 200 && rendered.text == "e2e-two-person"
                #expect(matches, "node\(index) answered \(rendered.status)")
            }

            let list = try deployment.cli(["token", "list", "--json"]).text
            #expect(list.contains(#""approved_by":"dev-admin-2""#) && list.contains(#""state":"approved""#))
            let audit = try deployment.cli(["audit"]).text
            for line in ["token.request", "token.approve"] { #expect(audit.contains(line), "\(audit)") }

            // Lowering the rule takes both admins; then one admin's tokens work at once.
            let lower = try deployment.cli(["cluster", "settings", "--token-approvals", "1"])
            #expect(lower.status == 0 && lower.text.contains("token approvals: 2") && lower.text.contains("waiting"), "\(lower.text)")
            let byLine = try deployment.cli(["cluster", "settings", "--token-approvals", "1"], tokenFile: "helper")
            #expect(byLine.status != 0, "a token of the requester's line cannot confirm")
            #expect(try deployment.cli(["cluster", "settings", "--token-approvals", "1"], tokenFile: "admin2").text.contains("token approvals: 1"))
            let quick = try Self.madeToken(try deployment.cli(["token", "create", "--role", "render", "--name", "quick"]))
            let renderer = try deployment.client(token: quick.token)
            defer { Task { await renderer.shutdown() } }
            #expect(try await renderer.send(.POST, "/v1/render", body: Array("{{Secrets.Stripe_Key}}".utf8)).status == 200)
        }
    }
}

/// A token's id, as the CLI prints the token: `cft_<id>_<secret>`.
enum Tokens {
    static func id(of token: String) -> String? {
        let parts = token.split(separator: "_")
        return parts.count >= 3 && parts[0] == "cft" ? String(parts[1]) : nil
    }
}
