import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// `coffer scan` against a live node: a 50 MiB log with kept values planted as is and as
    /// each filter writes them, found at their lines and columns, and nothing else.
    @Suite("Scanning text for kept values")
    struct ScanTests {
        struct Planted: Hashable, CustomStringConvertible {
            let line: Int
            let column: Int
            let name: String
            let version: Int
            let state: String
            let encoding: String
            var description: String { "\(line):\(column) \(name) v\(version) \(state) \(encoding)" }
        }

        static func json(_ value: String) -> String {
            value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }

        static func url(_ value: String) -> String {
            value.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn:
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"))!
        }

        static func base64(_ value: String) -> String { Data(value.utf8).base64EncodedString() }

        @Test func aLogWithPlantedValuesFindsEachAtItsPlaceAndNothingElse() async throws {
            let deployment = try Deployment(nodes: 1)
            _ = try await deployment.startAll()
            let apiV1 = "ak_live_4f9b2c1d8e7a6b5c3d2e1f0a", apiV2 = "ak_live_9z8y7x6w5v4u3t2s1r0q"
            let db = "p@ss \"w0rd\"/\u{FC}&x=1\\", signingV1 = "sig-key-ABCDEFGH-12345678", signingV2 = "sig-key-new-ZYXWVUTS-8765"
            let pin = "1234567"
            for (name, value) in [("ApiKey", apiV1), ("DbPass", db), ("Signing", signingV1), ("Pin", pin)] {
                #expect(try deployment.cli(["secret", "create", name], input: value).status == 0)
            }
            #expect(try deployment.cli(["secret", "rotate", "ApiKey"], input: apiV2).status == 0)
            #expect(try deployment.cli(["secret", "leak", "Signing", "--reason", "test"], input: signingV2).status == 0)

            // 50 MiB of log lines, with values planted on known lines.
            let filler = Array("2026-12-07T10:00:00.000Z INFO handled GET /v1/orders status=200 in 12ms peer=10.0.0.7\n".utf8)
            let plants: [Int: (text: String, expected: [Planted])] = [
                10: ("token=" + apiV1 + " ok\n", [Planted(line: 10, column: 7, name: "ApiKey", version: 1, state: "previous", encoding: "raw")]),
                90_000: ("INFO key " + apiV2 + "\n", [Planted(line: 90_000, column: 10, name: "ApiKey", version: 2, state: "current", encoding: "raw")]),
                180_000: (#"{"level":"debug","password":""# + Self.json(db) + "\"}\n",
                          [Planted(line: 180_000, column: 30, name: "DbPass", version: 1, state: "current", encoding: "json")]),
                270_000: ("GET /login?u=admin&p=" + Self.url(db) + " 302\n",
                          [Planted(line: 270_000, column: 22, name: "DbPass", version: 1, state: "current", encoding: "url")]),
                360_000: ("Authorization: Basic " + Self.base64(signingV1) + "\n",
                          [Planted(line: 360_000, column: 22, name: "Signing", version: 1, state: "compromised", encoding: "base64")]),
                450_000: (signingV2 + " at the start of a line\n",
                          [Planted(line: 450_000, column: 1, name: "Signing", version: 2, state: "current", encoding: "raw")]),
                // Near misses and a value too short to look for: nothing to report.
                540_000: ("pin=" + pin + " almost=" + String(apiV1.dropLast()) + "b " + String(signingV1.dropFirst()) + "\n", []),
            ]
            var text = Data()
            text.reserveCapacity(52 << 20)
            var line = 1
            while text.count < 50 << 20 {
                if let plant = plants[line] { text.append(Data(plant.text.utf8)) } else { text.append(contentsOf: filler) }
                line += 1
            }
            // The last bytes of the file, with no line feed after them.
            text.append(Data(db.utf8))
            let expected = Set(plants.values.flatMap(\.expected)
                + [Planted(line: line, column: 1, name: "DbPass", version: 1, state: "current", encoding: "raw")])
            let file = deployment.directory + "/app.log"
            try text.write(to: URL(fileURLWithPath: file))

            let scanned = try deployment.cli(["scan", file, "--json"])
            #expect(scanned.status == 1, "exit \(scanned.status): \(scanned.stderr)")
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(scanned.text.utf8)) as? [String: Any])
            let report = try #require(answer["report"] as? [String: Any])
            let findings = report["findings"] as? [[String: Any]] ?? []
            let found = Set(findings.map { finding in
                Planted(line: (finding["line"] as? NSNumber)?.intValue ?? 0, column: (finding["column"] as? NSNumber)?.intValue ?? 0,
                        name: finding["name"] as? String ?? "", version: (finding["version"] as? NSNumber)?.intValue ?? 0,
                        state: finding["state"] as? String ?? "", encoding: finding["encoding"] as? String ?? "")
            })
            #expect(found == expected, "missing \(expected.subtracting(found)), extra \(found.subtracting(expected))")
            #expect(findings.count == expected.count)
            #expect((report["bytes"] as? NSNumber)?.intValue == text.count)
            let short = (report["too_short"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? "") v\($0["version"] ?? "")" }
            #expect(short == ["Pin v1"])

            // The plain output names place, secret, version and state; nothing holds a value.
            let plain = try deployment.cli(["scan", file])
            #expect(plain.text.contains("\(file):360000:22  Signing  v1  compromised  base64"), "\(plain.text)")
            let values = [apiV1, apiV2, db, signingV1, signingV2, Self.json(db), Self.url(db), Self.base64(signingV1)]
            for output in [scanned.text, scanned.stderr, plain.text, plain.stderr, deployment.log(1)] {
                #expect(!values.contains { output.contains($0) }, "a value was printed or logged")
            }

            // The scan is an audit line: who, what, how many bytes, what was found.
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            let events = try await admin.object(.GET, "/v1/audit")["events"] as? [[String: Any]] ?? []
            let scans = events.filter { $0["action"] as? String == "scan" }
            #expect(scans.count == 2)
            let target = scans.first?["target"] as? String ?? ""
            #expect(target.hasPrefix("\(file): \(text.count) bytes, 7 findings (") && target.contains("Signing v1"), "\(target)")
            #expect(events.contains { $0["action"] as? String == "cluster.leader" }, "no line for the leader's term")

            // A scoped audit token finds only its secrets, and learns nothing of the others.
            let scoped = try LeastPrivilegeTests.made(try deployment.cli(
                ["token", "create", "--role", "audit", "--name", "auditor", "--secrets", "Api*"]))
            try deployment.saveToken(scoped, as: "auditor")
            let limited = try deployment.cli(["scan", file, "--json"], tokenFile: "auditor")
            let limitedReport = (try JSONSerialization.jsonObject(with: Data(limited.text.utf8)) as? [String: Any])?["report"] as? [String: Any]
            let names = Set((limitedReport?["findings"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
            #expect(names == ["ApiKey"] && (limitedReport?["total"] as? NSNumber)?.intValue == 2, "\(limited.text) \(limited.stderr)")
            #expect((limitedReport?["too_short"] as? [Any])?.isEmpty == true)

            // A render token may not scan.
            try deployment.saveToken(deployment.renderToken, as: "render")
            let refused = try deployment.cli(["scan", file], tokenFile: "render")
            #expect(refused.status == 2 && refused.stderr.contains("needs role admin or audit"), "\(refused.stderr)")
        }

        @Test func badScansGetAClearErrorAndLeaveNoLine() async throws {
            let deployment = try Deployment(nodes: 1)
            _ = try await deployment.startAll()
            #expect(try deployment.cli(["secret", "create", "Key"], input: "a-value-of-some-length").status == 0)
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            let before = try await admin.object(.GET, "/v1/audit")["events"] as? [[String: Any]] ?? []

            let empty = deployment.directory + "/empty.log"
            FileManager.default.createFile(atPath: empty, contents: Data())
            let emptyScan = try deployment.cli(["scan", empty])
            #expect(emptyScan.status == 2 && emptyScan.stderr.contains("nothing to scan"), "\(emptyScan.stderr)")
            let missing = try deployment.cli(["scan", deployment.directory + "/no-such.log"])
            #expect(missing.status == 2 && missing.stderr.contains("cannot read"), "\(missing.stderr)")

            let tooLarge = try await admin.send(.POST, "/v1/scan", body: [UInt8](repeating: 0x61, count: (256 << 20) + 1),
                                                contentType: "application/octet-stream")
            #expect(tooLarge.status == 413 && tooLarge.errorMessage.contains("larger than 268435456 bytes"), "\(tooLarge.errorMessage)")
            for label in ["%0Abad", "a%E2%80%AEgol.exe", String(repeating: "x", count: 129)] {
                let badSource = try await admin.send(.POST, "/v1/scan?source=\(label)", body: Array("text".utf8))
                #expect(badSource.status == 400, "\(label)")
            }

            // Nothing was audited (the node still answers, and scans again).
            let after = try await admin.object(.GET, "/v1/audit")["events"] as? [[String: Any]] ?? []
            #expect(after.count == before.count)
            let clean = try await admin.send(.POST, "/v1/scan", body: Array("nothing here".utf8))
            #expect(clean.status == 200 && clean.text.contains(#""total":0"#))
        }
    }
}
