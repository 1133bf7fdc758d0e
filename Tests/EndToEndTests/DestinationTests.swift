import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// A secret bound to hosts renders only into requests to them, on live nodes: the tricky
    /// hosts are refused, a rotation keeps the list, a snapshot carries it.
    @Suite("Allowed destinations on live nodes")
    struct DestinationTests {
        static func render(_ client: CofferClient, _ template: String, _ query: String) async throws -> ClientResponse {
            try await client.send(.POST, "/v1/render?\(query)", body: Array(template.utf8))
        }

        /// The status of a render, and whether a refusal names the destination rule: never its output.
        static func outcome(_ response: ClientResponse) -> String {
            response.status == 422 && response.text.contains(#""kind":"destination""#) ? "destination" : "\(response.status)"
        }

        static func request(line target: String, host: String? = nil, extraHost: String? = nil) -> String {
            var head = "POST \(target) HTTP/1.1\r\n"
            if let host { head += "Host: \(host)\r\n" }
            if let extraHost { head += "Host: \(extraHost)\r\n" }
            return head + "Content-Type: text/plain\r\n\r\nkey={{Secrets.Stripe}}"
        }

        @Test func aSecretWithHostsRendersOnlyToThem() async throws {
            let deployment = try Deployment(nodes: 1)
            try await deployment.start()
            let admin = try deployment.client(token: deployment.adminToken)
            let render = try deployment.client(token: deployment.renderToken)
            defer { Task { await admin.shutdown(); await render.shutdown() } }
            let created = try deployment.cli(["secret", "create", "Stripe", "--allow-host", "api.stripe.com", "--allow-host", "*.stripe.com"],
                                             input: "sk_live_e2e")
            #expect(created.status == 0, "\(created.stderr)")
            #expect(try await admin.json(.POST, "/v1/secrets", ["name": "Free", "value": "anywhere"]).status == 201)
            #expect(try deployment.cli(["secret", "list"]).text.contains("api.stripe.com,*.stripe.com"))

            let cases: [(String, String, String)] = [
                ("absolute URL", Self.request(line: "https://api.stripe.com/v1/charges", host: "api.stripe.com"), "200"),
                ("Host header", Self.request(line: "/v1/charges", host: "api.stripe.com"), "200"),
                ("uppercase, trailing dot", Self.request(line: "/v1", host: "API.STRIPE.COM."), "200"),
                ("a name under the wildcard", Self.request(line: "https://files.stripe.com/x"), "200"),
                ("suffix of another domain", Self.request(line: "https://api.stripe.com.evil.example/v1"), "destination"),
                ("look-alike domain", Self.request(line: "https://evilstripe.com/v1"), "destination"),
                ("userinfo", Self.request(line: "https://api.stripe.com@evil.example/v1"), "destination"),
                ("IP literal", Self.request(line: "https://1.2.3.4/v1"), "destination"),
                ("the bare domain", Self.request(line: "https://stripe.com/v1"), "destination"),
                ("another port", Self.request(line: "https://api.stripe.com:8443/v1"), "destination"),
                ("no destination", Self.request(line: "/v1"), "destination"),
                ("two Host headers", Self.request(line: "/v1", host: "api.stripe.com", extraHost: "evil.example"), "400"),
                ("line and Host disagree", Self.request(line: "https://api.stripe.com/v1", host: "evil.example"), "400"),
                ("a templated host", Self.request(line: "/v1", host: "{{Secrets.Free}}.stripe.com"), "destination"),
                ("a backslash before userinfo", Self.request(line: "https://evil.example\\@api.stripe.com/v1"), "destination"),
                ("a templated header name", Self.request(line: "/v1", host: "api.stripe.com")
                    .replacingOccurrences(of: "Content-Type", with: "{{Secrets.Free}}"), "destination"),
                ("a second request", "GET /v1 HTTP/1.1\r\nHost: api.stripe.com\r\n\r\n" + Self.request(line: "https://evil.example/"),
                 "destination"),
            ]
            for (label, template, expected) in cases {
                #expect(Self.outcome(try await Self.render(render, template, "placement=http")) == expected, "\(label)")
            }
            #expect(Self.outcome(try await Self.render(render, "{{Secrets.Stripe}}", "placement=body")) == "destination")
            #expect(Self.outcome(try await Self.render(render, "{{Secrets.Stripe}}", "destination=https://api.stripe.com/v1")) == "200")
            // A parameter fills in what the request leaves out, never what a reference could change.
            #expect(Self.outcome(try await Self.render(render, Self.request(line: "/v1"),
                                                       "placement=http&destination=https://api.stripe.com/")) == "200")
            #expect(Self.outcome(try await Self.render(render, Self.request(line: "/v1", host: "{{Secrets.Free}}"),
                                                       "placement=http&destination=https://api.stripe.com/")) == "destination")
            #expect(Self.outcome(try await Self.render(render, "{{Secrets.Free}}", "placement=body")) == "200")
            #expect(Self.outcome(try await Self.render(render, "https://api.stripe.com/v1?k={{Secrets.Stripe|url}}", "placement=url")) == "200")
            #expect(Self.outcome(try await Self.render(render, "https://evil.example/?k={{Secrets.Stripe|url}}", "placement=url")) == "destination")
            #expect(Self.outcome(try await Self.render(render, Self.request(line: "/v1", host: "api.stripe.com"),
                                                       "placement=http&destination=https://evil.example/")) == "400")

            // A rotation keeps the list; clearing and setting it are one step each, audited.
            #expect(try await admin.json(.PUT, "/v1/secrets/Stripe", ["value": "sk_live_rotated"]).status == 200)
            #expect(try await admin.object(.GET, "/v1/secrets/Stripe")["allowed_hosts"] as? [String] == ["api.stripe.com", "*.stripe.com"])
            #expect(Self.outcome(try await Self.render(render, Self.request(line: "https://evil.example/"), "placement=http")) == "destination")
            #expect(try deployment.cli(["secret", "hosts", "Stripe", "--clear"]).status == 0)
            #expect(Self.outcome(try await Self.render(render, Self.request(line: "https://evil.example/"), "placement=http")) == "200")
            #expect(try deployment.cli(["secret", "hosts", "Stripe", "--set", "api.stripe.com"]).status == 0)
            #expect(Self.outcome(try await Self.render(render, Self.request(line: "https://files.stripe.com/"), "placement=http")) == "destination")
            #expect(try deployment.cli(["audit"]).text.contains("secret.hosts"))

            // Bad host lists answer 400 and change nothing.
            for bad in ["https://api.stripe.com", "api.stripe.com/v1", "api.*.com", "*", "exämple.com"] {
                #expect(try await admin.json(.POST, "/v1/secrets", ["name": "Bad", "value": "v", "allow_hosts": [bad]]).status == 400, "\(bad)")
                #expect(try await admin.json(.PUT, "/v1/secrets/Stripe/hosts", ["hosts": [bad]]).status == 400, "\(bad)")
            }
            #expect(try await admin.send(.GET, "/v1/secrets/Bad").status == 404)
            #expect(try await admin.object(.GET, "/v1/secrets/Stripe")["allowed_hosts"] as? [String] == ["api.stripe.com"])
        }

        @Test func aNodeThatCatchesUpBySnapshotKeepsTheHostLists() async throws {
            let deployment = try Deployment(nodes: 3, snapshotEvery: 20)
            let leader = try await deployment.startAll()
            let lagging = [1, 2, 3].first { $0 != leader }!
            let admin = try deployment.client(token: deployment.adminToken, only: leader)
            defer { Task { await admin.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", ["name": "Stripe", "value": "v1"]).status == 201)
            try await deployment.waitConverged([1, 2, 3])
            deployment.kill9(lagging)
            #expect(try await admin.json(.PUT, "/v1/secrets/Stripe/hosts", ["hosts": ["api.stripe.com"]]).status == 200)
            for index in 0..<45 {
                #expect(try await admin.json(.POST, "/v1/secrets", ["name": "Filler\(index)", "value": "f"]).status == 201)
            }
            try await deployment.start(lagging)
            try await deployment.waitConverged([1, 2, 3])
            #expect(deployment.log(lagging).contains("installed a snapshot"), "the lagging node caught up from a snapshot")
            let render = try deployment.client(token: deployment.renderToken, only: lagging)
            defer { Task { await render.shutdown() } }
            #expect(Self.outcome(try await Self.render(render, "{{Secrets.Stripe}}", "destination=https://evil.example/")) == "destination")
            #expect(Self.outcome(try await Self.render(render, "{{Secrets.Stripe}}", "destination=https://api.stripe.com/")) == "200")
        }
    }
}
