import ArgumentParser
import CofferClient
import Foundation

struct RotationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotation", abstract: "Follow a rotation until every member has applied it.",
        subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Which members have applied a rotation.")

        @Argument(help: "The rotation id (rot_...), as the rotation printed it.") var id: String
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                let response = try ClientRun.expect(try await client.send(.GET, "/v1/rotations/\(pathSegment(id))"), 200)
                if json { return Output.raw(response.body + [0x0A]) }
                RotationOutput.describe(ClientRun.object(response), print: Output.line)
            }
        }
    }
}

/// How long `secret rotate` and `secret rollback` wait for every member to apply.
struct RotationWaitOptions: ParsableArguments {
    @Option(help: "Wait up to this many milliseconds for every member to apply (0-60000; 0 waits for none).")
    var waitMs: Int?

    @Flag(help: "Print the API's JSON (with any generated values).") var json = false

    var fields: [String: Any] { waitMs.map { ["wait_ms": $0] } ?? [:] }
}

enum RotationOutput {
    /// Sends a rotation and prints its answer: notes on stderr, generated values on stdout.
    static func submit(_ body: [String: Any], json: Bool) async throws {
        try await ClientRun.with { client in
            let response = try ClientRun.expect(try await client.json(.POST, "/v1/rotations", body), 200)
            if json { return Output.raw(response.body + [0x0A]) }
            let object = ClientRun.object(response)
            describe(object, print: Output.note)
            if let values = object["values"] as? [String: String], !values.isEmpty {
                Output.note("The generated values are shown this once:")
                if values.count == 1, let value = values.values.first {
                    Output.line(value)
                } else {
                    for name in values.keys.sorted() { Output.line("\(name)=\(values[name]!)") }
                }
            }
        }
    }

    /// The rotation and each member's state. A rotation prints it on stderr, keeping stdout
    /// for generated values; `rotation status` on stdout.
    static func describe(_ object: [String: Any], print: (String) -> Void) {
        let complete = object["complete"] as? Bool ?? false
        print("Rotation \(object["id"] ?? "?") (\(object["kind"] ?? "rotate")) at index \(object["index"] ?? "?"), "
                    + "generation \(object["generation"] ?? "?"): "
                    + (complete ? "applied on every member." : "not yet applied on every member."))
        for secret in object["secrets"] as? [[String: Any]] ?? [] {
            print("  \(secret["name"] ?? "?") is now version \(secret["version"] ?? "?")")
        }
        for member in object["members"] as? [[String: Any]] ?? [] {
            print("  member \(member["id"] ?? "?"): \(member["state"] ?? "?") (applied index \(member["applied_index"] ?? "-"))")
        }
    }
}
