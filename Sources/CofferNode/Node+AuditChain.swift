import CofferStore
import Foundation

/// One member's answer to `audit verify`.
public struct MemberChain: Codable, Sendable {
    public let member: String
    public let reachable: Bool
    public let check: Keyspace.ChainCheck?
    /// The member's link at the common index (hex; `none` when it holds no line up to there).
    public var commonLink: String?
    /// Whether that link differs from the one most members have.
    public var differs = false
}

/// Every member's audit chain, checked by the member itself, and compared at one line.
public struct ChainReport: Sendable {
    public var members: [MemberChain] = []
    /// The lowest applied index among the members that answered: every one of them must hold
    /// the same lines up to it, so a trail cut short or wiped on one member shows there.
    public var commonIndex: UInt64?

    /// Whether every member answered both questions, every chain follows, and all agree at the common index.
    public var isIntact: Bool {
        members.allSatisfy { $0.reachable && $0.check?.brokenAtIndex == nil && $0.commonLink != nil && !$0.differs }
    }
}

/// What a member is asked: to check its chain, or for its link at an index.
struct ChainQuery: Codable {
    let linkAtOrBefore: UInt64?
}

extension Node {
    /// Asks every member of the configuration to check its own chain, then for its link at
    /// the last index all of them hold: a member whose chain follows but differs there was
    /// rewritten whole.
    public func checkAuditChains() async -> ChainReport {
        var report = ChainReport()
        var everyone = configurationMembers
        if !everyone.contains(config.nodeID) { everyone.insert(config.nodeID, at: 0) }
        let checks = await ask(everyone, ChainQuery(linkAtOrBefore: nil))
        for member in everyone {
            let check = checks[member].flatMap { try? JSONDecoder().decode(Keyspace.ChainCheck.self, from: Data($0)) }
            report.members.append(MemberChain(member: member, reachable: check != nil, check: check))
        }
        guard let common = report.members.compactMap({ $0.check?.appliedIndex }).min() else { return report }
        report.commonIndex = common
        let links = await ask(report.members.filter(\.reachable).map(\.member), ChainQuery(linkAtOrBefore: common))
        for position in report.members.indices {
            report.members[position].commonLink = links[report.members[position].member].flatMap { String(bytes: $0, encoding: .utf8) }
        }
        // The link most members hold is taken as the trail's; the others differ (with two
        // members that disagree, both do).
        var votes: [String: Int] = [:]
        for link in report.members.compactMap(\.commonLink) { votes[link, default: 0] += 1 }
        let most = votes.values.max() ?? 0
        let winners = votes.filter { $0.value == most }.map(\.key)
        for position in report.members.indices {
            guard let link = report.members[position].commonLink else { continue }
            report.members[position].differs = winners.count > 1 || link != winners.first
        }
        return report
    }

    /// The answer to a member's chain question.
    public func handleChainCall(_ body: [UInt8]) -> [UInt8] {
        guard let query = try? JSONDecoder().decode(ChainQuery.self, from: Data(body)) else { return [] }
        return answerChain(query) ?? []
    }

    private func answerChain(_ query: ChainQuery) -> [UInt8]? {
        if let index = query.linkAtOrBefore {
            guard let link = try? keyspace.auditLink(atOrBefore: index) else { return nil }
            return Array((link ?? "none").utf8)
        }
        return (try? keyspace.checkAuditChain()).flatMap { try? JSONEncoder().encode($0).byteArray }
    }

    /// Each member's answer (this node answers itself), asked at once; nil for those that did not answer.
    private func ask(_ targets: [String], _ query: ChainQuery) async -> [String: [UInt8]] {
        guard let payload = try? JSONEncoder().encode(query).byteArray else { return [:] }
        var answers = await askPeers(targets.filter { $0 != config.nodeID }, .auditChain, payload, timeout: .seconds(5))
        if targets.contains(config.nodeID) { answers[config.nodeID] = answerChain(query) }
        return answers
    }
}
