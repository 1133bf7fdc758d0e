import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// The web console's files and the template check it calls, against a real node. The
    /// browser walk-through is `Tests/Browser/test_console.py`.
    @Suite("Single node: the console and the template check")
    struct ConsoleServingTests {
        @Test func consoleFilesAreServedWithAStrictPolicy() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let anonymous = try deployment.client(token: nil)
            defer { Task { await anonymous.shutdown() } }

            let page = try await anonymous.send(.GET, "/console/")
            #expect(page.status == 200)
            #expect(page.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(page.text.contains("<nav class=\"menu\""))
            let policy = page.headers.first(name: "Content-Security-Policy") ?? ""
            #expect(policy.contains("script-src 'self'") && policy.contains("default-src 'none'"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(page.headers.first(name: "Cache-Control") == "no-store")
            #expect(!page.text.contains("<script>") && !page.text.contains(" style="), "no inline script or style")

            let script = try await anonymous.send(.GET, "/console/app.js")
            #expect(script.status == 200)
            #expect(script.headers.first(name: "Content-Type") == "text/javascript; charset=utf-8")
            #expect(try await anonymous.send(.GET, "/console/secrets.js").status == 200)
            #expect(try await anonymous.send(.GET, "/console/key.svg").status == 200)

            let missing = try await anonymous.send(.GET, "/console/nothing.js")
            #expect(missing.status == 404)
            #expect(missing.headers.first(name: "Content-Security-Policy") == policy, "errors carry the policy too")
            #expect(try await anonymous.send(.GET, "/console/..%2Fconsole.css").status == 404)
        }

        @Test func checkMasksKnownReferencesAndPlacesProblems() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let admin = try deployment.client(token: deployment.adminToken)
            let render = try deployment.client(token: deployment.renderToken)
            defer { Task { await admin.shutdown(); await render.shutdown() } }
            let value = "checked-value-\(UUID().uuidString)"
            #expect(try await admin.json(.POST, "/v1/secrets", ["name": "PaymentsKey", "value": value]).status == 201)
            #expect(try await admin.json(.PUT, "/v1/secrets/paymentskey", ["generate": [:] as [String: Any]]).status == 200)

            let fields: [[String: Any]] = [
                ["name": "url", "template": "https://api.example.com/{{Secrets.PaymentsKey | url}}"],
                ["name": "headers", "template": "Authorization: Bearer {{ secrets.paymentskey }}\nX-Other: {{Secrets.Missing}}"],
                ["name": "body", "template": "{\"a\": \"{{Secrets.}}\"}"],
            ]
            let answer = try await admin.json(.POST, "/v1/templates/check", ["fields": fields])
            #expect(answer.status == 200, "\(answer.text)")
            #expect(!answer.text.contains(value), "a check never holds a value")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
            #expect(object["ok"] as? Bool == false)
            let checked = try #require(object["fields"] as? [[String: Any]])
            #expect(checked.map { $0["name"] as? String } == ["url", "headers", "body"])
            #expect(checked[0]["masked"] as? String == "https://api.example.com/«PaymentsKey v2 | url»")
            #expect((checked[0]["errors"] as? [Any])?.isEmpty == true)
            #expect(checked[1]["masked"] as? String == "Authorization: Bearer «PaymentsKey v2»\nX-Other: {{Secrets.Missing}}")
            let headerErrors = try #require(checked[1]["errors"] as? [[String: Any]])
            #expect(headerErrors.count == 1)
            #expect(headerErrors.first?["kind"] as? String == "unknown_secret")
            #expect(headerErrors.first?["line"] as? Int == 2 && headerErrors.first?["column"] as? Int == 10)
            #expect(headerErrors.first?["message"] as? String == "unknown secret 'Missing'")
            let references = try #require(checked[1]["references"] as? [[String: Any]])
            #expect(references.map { $0["name"] as? String } == ["PaymentsKey", "Missing"])
            #expect(references.map { $0["written"] as? String } == ["paymentskey", "Missing"])
            #expect(references.first?["version"] as? Int == 2)
            let bodyErrors = try #require(checked[2]["errors"] as? [[String: Any]])
            #expect(bodyErrors.map { $0["kind"] as? String } == ["malformed_reference"])
            #expect(bodyErrors.first?["column"] as? Int == 8)

            let clean = try await admin.json(.POST, "/v1/templates/check", ["fields": [["name": "body", "template": "{{Secrets.PaymentsKey}}"]]])
            #expect((try JSONSerialization.jsonObject(with: Data(clean.body)) as? [String: Any])?["ok"] as? Bool == true)
        }

        @Test func badChecksAreRefusedWithTheirStatus() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let admin = try deployment.client(token: deployment.adminToken)
            let render = try deployment.client(token: deployment.renderToken)
            let anonymous = try deployment.client(token: nil)
            defer { Task { for client in [admin, render, anonymous] { await client.shutdown() } } }
            let field: [String: Any] = ["name": "body", "template": "{{Secrets.X}}"]

            #expect(try await anonymous.json(.POST, "/v1/templates/check", ["fields": [field]]).status == 401)
            let forbidden = try await render.json(.POST, "/v1/templates/check", ["fields": [field]])
            #expect(forbidden.status == 403)
            #expect(forbidden.errorMessage.contains("needs role admin or audit"))
            let minted = try await admin.json(.POST, "/v1/tokens", ["role": "audit", "name": "auditor"])
            let auditToken = try #require((try JSONSerialization.jsonObject(with: Data(minted.body)) as? [String: Any])?["token"] as? String)
            let audit = try deployment.client(token: auditToken)
            defer { Task { await audit.shutdown() } }
            #expect(try await audit.json(.POST, "/v1/templates/check", ["fields": [field]]).status == 200, "audit may check")
            let cases: [(String, String, String)] = [
                ("no fields", #"{}"#, "the field 'fields' is required"),
                ("template not a string", #"{"fields": [{"name": "b", "template": 3}]}"#, "must be a string"),
                ("too many fields", #"{"fields": [\#(Array(repeating: #"{"name": "b", "template": ""}"#, count: 65).joined(separator: ","))]}"#, "at most 64 fields"),
                ("empty field name", #"{"fields": [{"name": "", "template": ""}]}"#, "a field name is 1 to 64 characters"),
                ("one delimiter", #"{"fields": [], "open": "<<"}"#, "give both 'open' and 'close'"),
                ("bad delimiter", #"{"fields": [], "open": "ab", "close": ">>"}"#, "invalid delimiters"),
            ]
            for (label, body, message) in cases {
                let response = try await admin.json(.POST, "/v1/templates/check", raw: body)
                #expect(response.status == 400, "\(label): \(response.text)")
                #expect(response.errorMessage.contains(message), "\(label): \(response.errorMessage)")
            }
        }
    }
}
