import CofferClient
import Foundation
import NIOHTTP1
import Testing

extension EndToEnd {
    /// Every bad input gets its status and a clear message, and changes nothing.
    @Suite("Single node: bad input changes nothing")
    struct BadInputTests {
        /// The observable state: secret metadata and the audit trail.
        static func snapshot(_ admin: CofferClient) async throws -> String {
            let secrets = try await admin.send(.GET, "/v1/secrets").text
            let audit = try await admin.send(.GET, "/v1/audit").text
            return secrets + "\n" + audit
        }

        @Test func badWritesAreRefusedWithTheirStatus() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", raw: #"{"name": "Existing", "value": "v"}"#).status == 201)
            let before = try await Self.snapshot(admin)

            let cases: [(String, HTTPMethod, String, String, Int, String)] = [
                ("invalid name", .POST, "/v1/secrets", #"{"name": "bad name", "value": "v"}"#, 400, "invalid secret name"),
                ("name too long", .POST, "/v1/secrets", #"{"name": "\#(String(repeating: "n", count: 129))", "value": "v"}"#, 400, "invalid secret name"),
                ("duplicate in another case", .POST, "/v1/secrets", #"{"name": "EXISTING", "value": "v"}"#, 409, "already exists"),
                ("empty value", .POST, "/v1/secrets", #"{"name": "New", "value": ""}"#, 400, "must not be empty"),
                ("oversized value", .POST, "/v1/secrets", #"{"name": "New", "value": "\#(String(repeating: "x", count: 64 * 1024 + 1))"}"#, 413, "at most 65536 bytes"),
                ("value and generate", .POST, "/v1/secrets", #"{"name": "New", "value": "v", "generate": {}}"#, 400, "not both"),
                ("generate length", .POST, "/v1/secrets", #"{"name": "New", "generate": {"length": 100000}}"#, 400, "length"),
                ("malformed JSON", .POST, "/v1/secrets", #"{"name": "New", "value": "#, 400, "not valid JSON"),
                ("wrong type", .POST, "/v1/secrets", #"{"name": 7, "value": "v"}"#, 400, "'name' must be a string"),
                ("rotate unknown", .PUT, "/v1/secrets/Missing", #"{"value": "v"}"#, 404, "no secret named 'Missing'"),
                ("rotate empty", .PUT, "/v1/secrets/Existing", #"{"value": ""}"#, 400, "must not be empty"),
                ("delete unknown", .DELETE, "/v1/secrets/Missing", "", 404, "no secret named"),
                ("bad role", .POST, "/v1/tokens", #"{"role": "root"}"#, 400, "role must be one of"),
                ("revoke unknown token", .DELETE, "/v1/tokens/0000000000000000", "", 404, "no token"),
            ]
            for (label, method, path, body, status, message) in cases {
                let response = try await admin.send(method, path, body: body.isEmpty ? nil : Array(body.utf8))
                #expect(response.status == status, "\(label): \(response.text)")
                #expect(response.errorMessage.contains(message), "\(label): \(response.errorMessage)")
            }
            let oversizedBody = Array(#"{"name": "Big", "value": ""#.utf8) + [UInt8](repeating: 0x61, count: 1024 * 1024) + Array(#""}"#.utf8)
            let tooLarge = try await admin.send(.POST, "/v1/secrets", body: oversizedBody)
            #expect(tooLarge.status == 413, "body over 1 MiB")
            #expect(try await Self.snapshot(admin) == before, "no bad request changed anything")
        }

        @Test func tokensAndRolesAreEnforced() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let admin = try deployment.client(token: deployment.adminToken)
            let render = try deployment.client(token: deployment.renderToken)
            let anonymous = try deployment.client(token: nil)
            let forged = try deployment.client(token: String(deployment.adminToken.dropLast(4)) + "AAAA")
            let garbage = try deployment.client(token: "not-a-token")
            defer { Task { for client in [admin, render, anonymous, forged, garbage] { await client.shutdown() } } }
            #expect(try await admin.json(.POST, "/v1/secrets", raw: #"{"name": "A", "value": "v"}"#).status == 201)
            let before = try await Self.snapshot(admin)

            for client in [anonymous, forged, garbage] {
                let response = try await client.json(.POST, "/v1/secrets", raw: #"{"name": "B", "value": "v"}"#)
                #expect(response.status == 401)
                #expect(response.headers.first(name: "WWW-Authenticate") == "Bearer")
                #expect(try await client.send(.POST, "/v1/render", body: Array("{{Secrets.A}}".utf8)).status == 401)
            }
            let renderWrites = try await render.json(.POST, "/v1/secrets", raw: #"{"name": "B", "value": "v"}"#)
            #expect(renderWrites.status == 403)
            #expect(renderWrites.errorMessage.contains("needs role admin"))
            #expect(try await render.send(.GET, "/v1/secrets").status == 403)
            #expect(try await render.json(.POST, "/v1/tokens", raw: #"{"role": "admin"}"#).status == 403)
            let adminRenders = try await admin.send(.POST, "/v1/render", body: Array("{{Secrets.A}}".utf8))
            #expect(adminRenders.status == 403, "admin never sees values")
            #expect(!adminRenders.text.contains("v\""))
            #expect(try await Self.snapshot(admin) == before)
        }

        @Test func badTemplatesAnswer422WithEveryProblem() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let admin = try deployment.client(token: deployment.adminToken)
            let render = try deployment.client(token: deployment.renderToken)
            defer { Task { await admin.shutdown(); await render.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", raw: #"{"name": "Known", "value": "line\nbreak"}"#).status == 201)

            let response = try await render.send(.POST, "/v1/render", body: Array("a {{Secrets.Known}}\n{{Secrets.}} {{Secrets.Nope}}".utf8))
            #expect(response.status == 422)
            let errors = try #require((try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["errors"] as? [[String: Any]])
            #expect(errors.map { [$0["line"] as? Int, $0["column"] as? Int] } == [[2, 1], [2, 14]])
            #expect(errors.map { $0["kind"] as? String } == ["malformed_reference", "unknown_secret"])

            let header = try await render.send(.POST, "/v1/render?placement=header", body: Array("Bearer {{Secrets.Known}}".utf8))
            #expect(header.status == 422, "a line break is refused in a header")
            #expect(!header.text.contains("line\\nbreak") && !header.text.contains("line\nbreak"))
            let filtered = try await render.send(.POST, "/v1/render?placement=header", body: Array("Bearer {{Secrets.Known|url}}".utf8))
            #expect(filtered.text == "Bearer line%0Abreak")

            let delimiters = try await render.send(.POST, "/v1/render?open=%3C%3C&close=%3E%3E", body: Array("<<Secrets.Known|base64>>".utf8))
            #expect(delimiters.text == "bGluZQpicmVhaw==")
            #expect(try await render.send(.POST, "/v1/render?open=a&close=b", body: Array("x".utf8)).status == 400)
            #expect(try await render.send(.POST, "/v1/render?placement=sideways", body: Array("x".utf8)).status == 400)
        }
    }
}
