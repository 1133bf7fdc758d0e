import ArgumentParser
import CofferClient
import Foundation

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "See and change the cluster's members and settings.",
        subcommands: [Status.self, Add.self, Promote.self, Remove.self, TransferLeader.self, Settings.self])

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the cluster's settings, or change how many admins it takes to make an admin or render token.",
            discussion: """
                With --token-approvals 2 (the two-person rule) a new admin or render token works only once a \
                second admin, of another line than its requester, approves it (coffer token approve ID). \
                Raising the setting takes one admin; lowering it takes a second admin asking for the same \
                within 24 hours.
                """)

        @Option(help: "1, or 2 for the two-person rule.") var tokenApprovals: Int?
        @Option(help: "The longest lifetime a new token may have (90s, 12h, 30d), or none.") var maxTokenTTL: String?
        @Option(help: "How many versions of each secret keep their sealed values, the current one included (1-100; default 10). Lowering it drops the older values on every member at once.")
        var keptVersions: Int?
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                var change: [String: Any] = [:]
                if let tokenApprovals { change["token_approvals"] = tokenApprovals }
                if let maxTokenTTL { change["max_token_ttl"] = maxTokenTTL }
                if let keptVersions { change["kept_versions"] = keptVersions }
                let response = if !change.isEmpty {
                    try ClientRun.expect(try await client.json(.PUT, "/v1/cluster/settings", change), 200, 202)
                } else {
                    try ClientRun.expect(try await client.send(.GET, "/v1/cluster/settings"), 200)
                }
                if json { return Output.raw(response.body + [0x0A]) }
                let object = ClientRun.object(response)
                Output.line("token approvals: \(object["token_approvals"] ?? "")")
                Output.line("max token lifetime: \((object["max_token_ttl_seconds"] as? Int).map { "\($0) s" } ?? "none")")
                Output.line("kept versions: \(object["kept_versions"] ?? "")")
                if let pending = object["pending_change"] as? [String: Any] {
                    Output.line("""
                        waiting: token approvals \(pending["token_approvals"] ?? "") asked for by \(pending["requested_by"] ?? "") \
                        (token \(pending["requested_by_id"] ?? "")) at \(pending["requested_at"] ?? ""); \
                        a second admin of another line must ask for the same
                        """)
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Members, their roles, term, commit and applied index, and the leader.")

        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                let response = try ClientRun.expect(try await client.send(.GET, "/v1/cluster"), 200)
                if json { return Output.raw(response.body + [0x0A]) }
                let object = ClientRun.object(response)
                Output.line("leader: \(object["leader"] as? String ?? "none")")
                let members = object["members"] as? [[String: Any]] ?? []
                Output.table([["ID", "MEMBERSHIP", "ROLE", "TERM", "COMMIT", "APPLIED", "API", "PEER"]] + members.map { member in
                    let reachable = member["reachable"] as? Bool ?? false
                    func field(_ key: String) -> String { member[key].map { "\($0)" } ?? "-" }
                    return [field("id"), field("membership"), reachable ? field("role") : "unreachable", field("term"),
                            field("commit"), field("applied"), field("apiAddress"), field("peerAddress")]
                })
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a member as a learner (it catches up, then can be promoted).")

        @Argument(help: "The member's id (its certificate's name).") var id: String
        @Argument(help: "Its peer address, host:port.") var peerAddress: String
        @Argument(help: "Its API address, host:port.") var apiAddress: String

        func run() async throws {
            try await ClientRun.with { client in
                _ = try ClientRun.expect(try await client.json(.POST, "/v1/cluster/members",
                                                               ["id": id, "peer_address": peerAddress, "api_address": apiAddress]), 201)
                Output.note("Added \(id) as a learner.")
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a learner a voting member.")
        @Argument var id: String

        func run() async throws {
            try await ClientRun.with { client in
                _ = try ClientRun.expect(try await client.send(.POST, "/v1/cluster/members/\(pathSegment(id))/promote"), 200)
                Output.note("Promoted \(id) to voter.")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a member from the cluster.")
        @Argument var id: String

        func run() async throws {
            try await ClientRun.with { client in
                _ = try ClientRun.expect(try await client.send(.DELETE, "/v1/cluster/members/\(pathSegment(id))"), 204)
                Output.note("Removed \(id).")
            }
        }
    }

    struct TransferLeader: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "transfer-leader", abstract: "Move leadership to another voter.")
        @Argument var id: String

        func run() async throws {
            try await ClientRun.with { client in
                for _ in 0..<50 {
                    let response = try await client.json(.POST, "/v1/cluster/leader", ["id": id])
                    if response.status == 404 || response.status == 400 { _ = try ClientRun.expect(response, 202) }
                    let status = ClientRun.object(try await client.send(.GET, "/v1/cluster"))
                    if status["leader"] as? String == id {
                        Output.note("\(id) leads now.")
                        return
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                Output.error("\(id) did not take over leadership in time")
                throw ExitCode.failure
            }
        }
    }
}
