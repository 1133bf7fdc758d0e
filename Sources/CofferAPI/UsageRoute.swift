import CofferNode
import CofferStore
import Foundation
import Hummingbird
import Resolver

/// `GET /v1/secrets/{name}/usage?since=24h|TIME&version=V` (admin, audit): who rendered the
/// secret, or was refused it, from which address, on which node, how often, first and last,
/// gathered from every member that answers.
struct UsageRoute {
    let node: Node
    let auth: Authorization

    struct LineView: Encodable {
        let node: String
        let version: UInt64
        let tokenID: String
        let tokenName: String?
        let tokenRole: String?
        let client: String
        let outcome: String
        let count: UInt64
        let first: String
        let last: String

        enum CodingKeys: String, CodingKey {
            case node, version, tokenID = "token_id", tokenName = "token_name", tokenRole = "token_role", client, outcome, count,
                 first, last
        }
    }

    struct ReportView: Encodable {
        let name: String
        let since: String?
        let usage: [LineView]
        let unreachable: [String]
        let truncated: [String]
        /// Members that keep no usage trail.
        let trailOff: [String]

        enum CodingKeys: String, CodingKey {
            case name, since, usage, unreachable, truncated, trailOff = "trail_off"
        }
    }

    func add(to router: Router<CofferRequestContext>) {
        router.get("/v1/secrets/{name}/usage") { request, context in
            let caller = try auth.require(.admin, .audit, for: request, context)
            let name = try context.parameters.require("name")
            guard SecretName.isValid(name) else { throw APIError.badRequest(SecretName.rule) }
            try caller.requireScope([name])
            let query = request.uri.queryParameters
            let since = try query["since"].map { try Self.since(String($0), now: Date()) }
            let version = try QueryNumber.parse(query["version"], name: "version", in: UInt64(1)...UInt64(Int64.max))
            let report = try await node.usage(of: name, sinceMinute: since.map { $0 / 60_000 } ?? 0)
            return try JSONBody.response(ReportView(
                name: name, since: since.map(Timestamp.iso8601),
                usage: try Self.merged(report.lines.filter { version == nil || $0.key.version == version }, tokens: try node.tokens()),
                unreachable: report.unreachable, truncated: report.truncated, trailOff: report.trailOff))
        }
    }

    /// `24h`, `30m`, `7d` back from now (at most ten years), or an RFC 3339 time from 1970 on:
    /// milliseconds since 1970, never a number that could trap.
    static func since(_ text: String, now: Date) throws -> Int64 {
        let nowMilliseconds = Int64(now.timeIntervalSince1970 * 1000)
        if let seconds = TokenGrant.seconds(text), seconds <= TokenGrant.maxTTLSeconds {
            return max(nowMilliseconds - seconds * 1000, 0)
        }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            formatter.formatOptions = options
            if let time = formatter.date(from: text), let milliseconds = Int64(exactly: (time.timeIntervalSince1970 * 1000).rounded()),
               milliseconds >= 0 {
                return milliseconds
            }
        }
        throw APIError.badRequest(
            "since is a duration back from now (90s, 30m, 24h, 7d; at most ten years) or an RFC 3339 time from 1970 on (2026-12-01T00:00:00Z)")
    }

    /// The minutes of each (node, version, token, client, outcome) added up, newest version
    /// first, then by first use.
    static func merged(_ lines: [UsageLine], tokens: [TokenRecord]) throws -> [LineView] {
        struct Group: Hashable {
            let node: String, version: UInt64, tokenID: String, client: String, outcome: UsageOutcome
        }
        var groups: [Group: UsageTally] = [:]
        for line in lines {
            let group = Group(node: line.node, version: line.key.version, tokenID: line.key.tokenID, client: line.key.client,
                              outcome: line.key.outcome)
            groups.add(line.tally, at: group)
        }
        let byID = Dictionary(tokens.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return groups.map { group, tally in
            LineView(node: group.node, version: group.version, tokenID: group.tokenID, tokenName: byID[group.tokenID]?.name,
                     tokenRole: byID[group.tokenID]?.role.rawValue, client: group.client, outcome: group.outcome.label,
                     count: tally.count, first: Timestamp.iso8601(tally.first), last: Timestamp.iso8601(tally.last))
        }.sorted { ($1.version, $0.first, $0.node, $0.tokenID, $0.client, $0.outcome) < ($0.version, $1.first, $1.node, $1.tokenID, $1.client, $1.outcome) }
    }
}
