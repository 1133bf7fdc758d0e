import ArgumentParser
import CofferClient
import CofferStore
import Foundation

/// `coffer scan [FILE...]`: asks a node where its kept values occur in each file (or stdin).
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find kept secret values in files or stdin: where, whose, and how written; never the value.",
        discussion: """
            Each file goes to a node, streamed (up to 256 MiB a file), which looks for every version it keeps \
            of every secret (the current one, those before it, and compromised ones), as is and as the json, \
            url and base64 filters write it. One line per occurrence: FILE:LINE:COLUMN (the column counts bytes), \
            then the secret, its version, whether that version is current, previous or compromised, and how it \
            was written. Values shorter than 8 bytes are not looked for; the answer names them. Each scan is \
            an audit line (who, what, how many bytes, what was found). Roles: admin and audit; a scoped token \
            finds only its secrets.

            Exit status: 0 when nothing was found, 1 when a value was found, 2 on an error.
            """)

    @Argument(help: "Files to scan; stdin when none.") var files: [String] = []
    @Flag(help: "Print each file's answer as one line of JSON ({\"file\": ..., \"report\": ...}).") var json = false

    static let maxBytes = 256 << 20

    func run() async throws {
        var found = false
        do {
            try await ClientRun.with { client in
                for file in files.isEmpty ? ["-"] : files {
                    found = try await scan(file, with: client) || found
                }
            }
        } catch let exit as ExitCode where exit == .failure {
            throw ExitCode(2)
        }
        if found { throw ExitCode(1) }
    }

    /// Scans one file ("-": stdin) and prints what was found; returns whether anything was.
    private func scan(_ file: String, with client: CofferClient) async throws -> Bool {
        let label = file == "-" ? "stdin" : file
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let path = "/v1/scan?source=" + (Self.auditLabel(label).addingPercentEncoding(withAllowedCharacters: safe) ?? "file")
        let response: ClientResponse
        if file == "-" {
            let bytes = try Self.standardInput()
            response = try await client.send(.POST, path, body: bytes, contentType: "application/octet-stream")
        } else {
            response = try await client.send(.POST, path, file: file, contentType: "application/octet-stream")
        }
        guard response.status == 200 else {
            Output.error("\(label): \(response.errorMessage)")
            throw ExitCode.failure
        }
        let report = ClientRun.object(response)
        let findings = report["findings"] as? [[String: Any]] ?? []
        if json {
            let line = try JSONSerialization.data(withJSONObject: ["file": label, "report": report], options: [.sortedKeys])
            Output.raw(Array(line) + [0x0A])
        } else {
            for finding in findings {
                Output.line("\(label):\(finding["line"] ?? ""):\(finding["column"] ?? "")  \(finding["name"] ?? "")  "
                            + "v\(finding["version"] ?? "")  \(finding["state"] ?? "")  \(finding["encoding"] ?? "")")
            }
            if report["truncated"] as? Bool == true {
                Output.note("\(label): \(report["total"] ?? "more") occurrences; the first \(findings.count) are listed.")
            }
            let short = report["too_short"] as? [[String: Any]] ?? []
            if !short.isEmpty {
                Output.note("Not looked for (values shorter than \(report["minimum_length"] ?? 8) bytes): "
                            + short.map { "\($0["name"] ?? "") v\($0["version"] ?? "")" }.joined(separator: ", ") + ".")
            }
        }
        return !findings.isEmpty
    }

    /// The file's name as the audit line gives it: its last 128 bytes at most, whole
    /// characters, control characters as '?'.
    static func auditLabel(_ label: String) -> String {
        var kept: [Character] = []
        var bytes = 0
        for character in label.reversed() {
            let shown: Character = character.unicodeScalars.allSatisfy(PrintableText.allows) ? character : "?"
            guard bytes + shown.utf8.count <= 128 else { break }
            bytes += shown.utf8.count
            kept.append(shown)
        }
        return String(kept.reversed())
    }

    /// All of stdin, up to the limit a node takes.
    private static func standardInput() throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let piece = try FileHandle.standardInput.read(upToCount: 1 << 20), !piece.isEmpty {
            bytes += piece
            guard bytes.count <= maxBytes else { throw ValidationError("stdin holds more than \(maxBytes) bytes; scan it in parts") }
        }
        return bytes
    }
}
