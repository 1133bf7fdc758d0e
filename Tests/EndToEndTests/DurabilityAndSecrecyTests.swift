import CofferClient
import Foundation
import Testing

extension EndToEnd {
    @Suite("Single node: durability and secrecy")
    struct DurabilityAndSecrecyTests {
        /// Writes run concurrently; the node is killed with SIGKILL mid-stream. Every write that
        /// was acknowledged is there after a restart, with the acknowledged value.
        @Test func acknowledgedWritesSurviveKill9() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            #expect(try await admin.json(.POST, "/v1/secrets", raw: #"{"name": "Rotated", "value": "r0"}"#).status == 201)

            let acknowledged = await withTaskGroup(of: [String: String].self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var acked: [String: String] = [:]
                        for step in 0..<400 {
                            let name = "W\(writer)_\(step)"
                            guard let response = try? await admin.json(.POST, "/v1/secrets", raw: #"{"name": "\#(name)", "value": "value-\#(name)"}"#)
                            else { break }
                            if response.status == 201 { acked[name] = "value-\(name)" }
                            if writer == 0, let rotated = try? await admin.json(.PUT, "/v1/secrets/Rotated", raw: #"{"value": "r\#(step + 1)"}"#),
                               rotated.status == 200 {
                                acked["Rotated"] = "r\(step + 1)"
                            }
                        }
                        return acked
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(700))
                    deployment.kill9()
                    return [:]
                }
                var all: [String: String] = [:]
                for await acked in group { all.merge(acked) { $1 } }
                return all
            }
            #expect(acknowledged.count > 10, "some writes were acknowledged before the kill")

            try await deployment.start()
            let render = try deployment.client(token: deployment.renderToken)
            defer { Task { await render.shutdown() } }
            let names = acknowledged.keys.sorted()
            let template = names.map { "\($0)={{Secrets.\($0)}}" }.joined(separator: "\n")
            let rendered = try await render.send(.POST, "/v1/render", body: Array(template.utf8))
            #expect(rendered.status == 200, "\(rendered.text.prefix(300))")
            // A rotation in flight at the kill may have been committed without its answer:
            // "Rotated" holds the last acknowledged value or the one attempted after it.
            var expected = names.map { "\($0)=\(acknowledged[$0]!)" }
            var actual = rendered.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if let position = names.firstIndex(of: "Rotated"), position < actual.count,
               let acked = Int(acknowledged["Rotated"]!.dropFirst()) {
                #expect(["Rotated=r\(acked)", "Rotated=r\(acked + 1)"].contains(actual[position]), "\(actual[position])")
                expected.remove(at: position)
                actual.remove(at: position)
            }
            #expect(actual == expected, "every acknowledged create is there with its value")
        }

        /// A value is visible only at creation: not in any file under the deployment (data, logs,
        /// configs), nor in any answer or metric afterwards.
        @Test func noValueInFilesLogsAnswersOrMetrics() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let marker = "MARKER-\(UUID().uuidString)"
            let created = try deployment.cli(["secret", "create", "Scanned"], input: marker)
            #expect(created.status == 0)
            #expect(!created.text.contains(marker) && !created.stderr.contains(marker))
            let generated = try deployment.cli(["secret", "create", "Generated", "--generate"]).text
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(generated.count == 32)
            _ = try deployment.cli(["secret", "rotate", "Scanned"], input: marker + "-2")
            // Exercise the error paths too: they must not echo values.
            _ = try deployment.cli(["render", "--placement", "header"], input: "{{Secrets.Scanned}}\n{{Secrets.Nope}}", tokenFile: "render")
            _ = try deployment.cli(["secret", "create", "scanned"], input: marker)

            let admin = try deployment.client(token: deployment.adminToken)
            defer { Task { await admin.shutdown() } }
            var answers = try await admin.send(.GET, "/v1/secrets").text
            answers += try await admin.send(.GET, "/v1/secrets/Scanned").text
            answers += try await admin.send(.GET, "/v1/audit").text
            answers += try await admin.send(.GET, "/metrics").text
            for value in [marker, generated] {
                #expect(!answers.contains(value))
            }
            deployment.stop()
            let files = deployment.allFiles()
            #expect(files.contains { $0.path.hasSuffix("/data/data.mdb") }, "the scan covers the data file")
            #expect(files.contains { $0.path.hasSuffix("/log") })
            for (path, contents) in files {
                for value in [marker, generated] {
                    #expect(contents.range(of: Data(value.utf8)) == nil, "\(path) holds a value in plain text")
                }
            }
        }

        @Test func aWrongOrExposedMasterKeyIsRefusedAtStart() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            _ = try deployment.cli(["secret", "create", "A"], input: "v")
            deployment.stop()

            let keyFile = deployment.directory + "/master.key"
            let original = try Data(contentsOf: URL(fileURLWithPath: keyFile))
            try FileManager.default.removeItem(atPath: keyFile)
            FileManager.default.createFile(atPath: keyFile, contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }),
                                           attributes: [.posixPermissions: 0o600])
            let wrong = try deployment.startExpectingRefusal()
            #expect(wrong.status != 0)
            #expect(wrong.stderr.contains("master key does not match"), "\(wrong.stderr)")

            try original.write(to: URL(fileURLWithPath: keyFile))
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
            let exposed = try deployment.startExpectingRefusal()
            #expect(exposed.status != 0)
            #expect(exposed.stderr.contains("must not be readable by group or others"), "\(exposed.stderr)")

            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
            try await deployment.start()
            let rendered = try deployment.cli(["render"], input: "{{Secrets.A}}", tokenFile: "render")
            #expect(rendered.text == "v", "the right key still opens the data")
        }
    }
}
