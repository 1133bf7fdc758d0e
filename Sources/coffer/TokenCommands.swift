import ArgumentParser
import CofferClient
import Foundation

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Approve.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; it is printed once.")

        @Option(help: "admin, render or audit.") var role: String
        @Option(help: "A label for the token.") var name: String?
        @Option(name: .customLong("secrets"), help: """
            Limit the token to secrets whose names match this pattern ('*' matches any run of name \
            characters, case-insensitive); repeat for more. Default: every secret.
            """) var secrets: [String] = []
        @Option(help: "The token stops working after this long: 90s, 30m, 12h, 7d. Default: never.") var ttl: String?
        @Option(name: .customLong("allow-cidr"), help: """
            Accept the token only from clients in this network (10.0.0.0/8, 2001:db8::/32); repeat for more.
            """) var allowCIDR: [String] = []

        func run() async throws {
            var body: [String: Any] = ["role": role]
            if let name { body["name"] = name }
            if !secrets.isEmpty { body["secrets"] = secrets }
            if let ttl { body["ttl"] = ttl }
            if !allowCIDR.isEmpty { body["allow_cidr"] = allowCIDR }
            try await ClientRun.with { client in
                let object = ClientRun.object(try ClientRun.expect(try await client.json(.POST, "/v1/tokens", body), 201))
                Output.note("Created \(object["role"] ?? role) token \(object["id"] ?? "") ('\(object["name"] ?? "")'); it is shown this once:")
                Output.line("\(object["token"] ?? "")")
                if object["state"] as? String == "awaiting_approval" {
                    Output.note("""
                        It works once a second admin, of another line than yours, approves it within 24 hours: \
                        coffer token approve \(object["id"] ?? "")
                        """)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")

        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                let response = try ClientRun.expect(try await client.send(.GET, "/v1/tokens"), 200)
                if json { return Output.raw(response.body + [0x0A]) }
                let tokens = ClientRun.object(response)["tokens"] as? [[String: Any]] ?? []
                func list(_ value: Any?) -> String {
                    let items = value as? [String] ?? []
                    return items.isEmpty ? "*" : items.joined(separator: ",")
                }
                Output.table([["ID", "ROLE", "NAME", "STATE", "SECRETS", "EXPIRES", "NETWORKS", "CREATED", "CREATED BY", "APPROVED BY"]]
                    + tokens.map {
                        ["\($0["id"] ?? "")", "\($0["role"] ?? "")", "\($0["name"] ?? "")", "\($0["state"] ?? "")",
                         list($0["secrets"]), $0["expires_at"].map { "\($0)" } ?? "never", list($0["allow_cidr"]),
                         "\($0["created_at"] ?? "")", "\($0["created_by"] ?? "") (\($0["created_by_id"] ?? ""))",
                         $0["approved_by_id"].map { "\($0)" } ?? "-"]
                    })
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a token that awaits a second admin (the two-person rule).",
            discussion: """
                Only an admin token of another line than the requester's may approve: not the token that \
                asked, nor one that made it or was made from the same first token.
                """)

        @Argument var id: String

        func run() async throws {
            try await ClientRun.with { client in
                let response = try await client.send(.POST, "/v1/tokens/\(pathSegment(id))/approve")
                let object = ClientRun.object(try ClientRun.expect(response, 200))
                Output.note("Approved \(object["role"] ?? "") token \(id) ('\(object["name"] ?? "")'), asked for by \(object["created_by"] ?? "").")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id.")

        @Argument var id: String

        func run() async throws {
            try await ClientRun.with { client in
                _ = try ClientRun.expect(try await client.send(.DELETE, "/v1/tokens/\(pathSegment(id))"), 204)
                Output.note("Revoked token \(id).")
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the audit trail, or check that no member's trail was altered.",
        subcommands: [Show.self, Verify.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the audit trail: who created, rotated and deleted what, and when.")

        @Option(help: "Only events after this log index.") var after: UInt64 = 0
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                // The whole trail from `after`, a page at a time.
                var events: [[String: Any]] = []
                var from = after
                while true {
                    let response = try ClientRun.expect(try await client.send(.GET, "/v1/audit?after=\(from)"), 200)
                    let page = ClientRun.object(response)
                    events += page["events"] as? [[String: Any]] ?? []
                    guard let next = (page["next_after"] as? NSNumber)?.uint64Value, next > from else { break }
                    from = next
                }
                if json {
                    return Output.raw(Array(try JSONSerialization.data(withJSONObject: ["events": events], options: [.sortedKeys])) + [0x0A])
                }
                Output.table([["INDEX", "AT", "ACTOR", "ACTION", "TARGET", "VERSION"]] + events.map {
                    ["\($0["index"] ?? "")", "\($0["at"] ?? "")", "\($0["actor"] ?? "")", "\($0["action"] ?? "")",
                     "\($0["target"] ?? "")", $0["version"].map { "\($0)" } ?? ""]
                })
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every member's audit trail: each line chained to the one before by SHA-256, and the members alike.",
            discussion: """
                Each member recomputes its own chain from the first line and names the first line that does not \
                follow; then the members' links at the last line they all hold are compared. Exits 1 when a \
                member is broken, differs from the others, or could not be asked.
                """)

        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                let response = try ClientRun.expect(try await client.send(.GET, "/v1/audit/verify"), 200)
                let report = ClientRun.object(response)
                let members = report["members"] as? [[String: Any]] ?? []
                if json {
                    Output.raw(response.body + [0x0A])
                } else {
                    Output.table([["MEMBER", "LINES", "CHAIN", "AT COMMON INDEX"]] + members.map { member in
                        let chain: String
                        if member["reachable"] as? Bool != true {
                            chain = "not asked (unreachable)"
                        } else if let index = member["broken_at_index"] {
                            chain = "BROKEN at index \(index) (line \(member["broken_at_offset"] ?? 0) of that entry)"
                        } else {
                            chain = "follows"
                        }
                        let common = (member["common_link"] as? String).map { link in
                            String(link.prefix(16)) + (member["differs"] as? Bool == true ? " DIFFERS from the others" : "")
                        } ?? (member["reachable"] as? Bool == true ? "not answered" : "")
                        return ["\(member["member"] ?? "")", "\(member["lines"] ?? "")", chain, common]
                    })
                    if let index = report["common_index"] { Output.note("Compared at log index \(index).") }
                }
                guard report["intact"] as? Bool == true else { throw ExitCode(1) }
            }
        }
    }
}
