import CofferStore
import Foundation
import Resolver

/// One line of a secret's usage as the cluster answers it: which member counted it.
public struct UsageLine: Codable, Sendable {
    public let node: String
    public let key: UsageKey
    public let tally: UsageTally
}

/// A secret's usage gathered from every member that answered.
public struct UsageReport: Sendable {
    public var lines: [UsageLine] = []
    /// Members that could not be asked (down, cut off, or too slow).
    public var unreachable: [String] = []
    /// Members that had more lines than one answer carries: their oldest lines are in, the newest not.
    public var truncated: [String] = []
    /// Members that keep no usage trail (`usage.enabled` false): their renders are not counted.
    public var trailOff: [String] = []
}

/// What one member is asked over the peer link.
struct UsageQuery: Codable {
    let name: String
    let sinceMinute: Int64
}

/// What one member answers.
struct UsageAnswer: Codable {
    let lines: [UsageLine]
    let truncated: Bool
    let trailOn: Bool
}

extension Node {
    /// The most lines one member sends for one question: well inside a peer frame.
    static let usageLinesPerMember = 50_000
    /// The most stored lines (minutes) one member reads for one question.
    static let usageLinesRead = 1_000_000

    /// Counts a render: the secrets it rendered, or the references it was refused for.
    public func recordUsage(_ secrets: [(name: String, version: UInt64)], token: String, client: String?, outcome: UsageOutcome) {
        usageTrail.record(secrets, token: token, client: client ?? "-", outcome: outcome, at: Self.now())
    }

    /// The version the secret `name` has now, for counting a refused reference; nil when no secret has that name.
    public func currentVersion(of name: String) -> UInt64? {
        catalog.current.version(of: name)
    }

    /// The secret `name`'s usage from `sinceMinute` on, from this node and every other member
    /// of the configuration, asked at once.
    public func usage(of name: String, sinceMinute: Int64) async throws -> UsageReport {
        var report = UsageReport()
        let own = try usageAnswer(UsageQuery(name: name, sinceMinute: sinceMinute))
        report.lines = own.lines
        if own.truncated { report.truncated.append(config.nodeID) }
        if !own.trailOn { report.trailOff.append(config.nodeID) }
        let others = configurationMembers.filter { $0 != config.nodeID }
        guard !others.isEmpty else { return report }
        let query = try JSONEncoder().encode(UsageQuery(name: name, sinceMinute: sinceMinute)).byteArray
        let replies = await askPeers(others, .usage, query, timeout: .seconds(2))
        let answers = others.map { member in
            (member, replies[member].flatMap { try? JSONDecoder().decode(UsageAnswer.self, from: Data($0)) })
        }
        for (member, answer) in answers {
            guard let answer else {
                report.unreachable.append(member)
                continue
            }
            // A member speaks for itself only.
            report.lines += answer.lines.filter { $0.node == member }
            if answer.truncated { report.truncated.append(member) }
            if !answer.trailOn { report.trailOff.append(member) }
        }
        return report
    }

    /// The answer to a member's usage question.
    public func handleUsageCall(_ body: [UInt8]) -> [UInt8] {
        guard let query = try? JSONDecoder().decode(UsageQuery.self, from: Data(body)),
              let answer = try? usageAnswer(query) else { return [] }
        return (try? JSONEncoder().encode(answer).byteArray) ?? []
    }

    /// This node's lines, its minutes added up per (version, token, client, outcome) so the
    /// answer stays small however long the window; the first of the minutes stands for them.
    private func usageAnswer(_ query: UsageQuery) throws -> UsageAnswer {
        let lines = try usageTrail.lines(of: query.name, sinceMinute: query.sinceMinute, limit: Self.usageLinesRead + 1)
        var merged: [UsageKey: UsageTally] = [:]
        var order: [UsageKey] = []
        for line in lines.prefix(Self.usageLinesRead) {
            let key = UsageKey(name: line.key.name, minute: 0, version: line.key.version, tokenID: line.key.tokenID,
                               client: line.key.client, outcome: line.key.outcome)
            if merged[key] == nil { order.append(key) }
            merged.add(line.tally, at: key)
        }
        let kept = order.prefix(Self.usageLinesPerMember).map { key in
            let tally = merged[key]!
            let first = UsageKey(name: key.name, minute: tally.first / 60_000, version: key.version, tokenID: key.tokenID,
                                 client: key.client, outcome: key.outcome)
            return UsageLine(node: config.nodeID, key: first, tally: tally)
        }
        return UsageAnswer(lines: kept, truncated: lines.count > Self.usageLinesRead || order.count > Self.usageLinesPerMember,
                           trailOn: usageTrail.isOn)
    }
}
