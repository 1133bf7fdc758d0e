import CofferStore
import Foundation

/// One member's answer to `audit verify`.
public struct MemberChain: Codable, Sendable {
    public let member: String
    public let reachable: Bool
    public let check: Keyspace.ChainCheck?
    /// The member's link at the last index every reachable member has (hex).
    public var commonLink: String?
}

/// Every member's audit chain, checked by the member itself, and compared at one line.
public struct ChainReport: Sendable {
    public var members: [MemberChain] = []
    /// The last log index whose line every reachable, unbroken member holds.
    public var commonIndex: UInt64?

    /// Whether every member could be asked, every chain follows, and all agree at the common line.
    public var isIntact: Bool {
        members.allSatisfy { $0.reachable && $0.check?.brokenAtIndex == nil }
            && Set(members.compactMap(\.commonLink)).count <= 1
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
        let status = self.status
        var everyone = members.map(\.id).filter { id in
            let raft = MemberID.raftID(id)
            return status.voters.contains(raft) || status.learners.contains(raft)
        }
        if !everyone.contains(config.nodeID) { everyone.insert(config.nodeID, at: 0) }
        let checks = await ask(everyone, ChainQuery(linkAtOrBefore: nil))
        for member in everyone {
            let check = checks[member].flatMap { try? JSONDecoder().decode(Keyspace.ChainCheck.self, from: Data($0)) }
            report.members.append(MemberChain(member: member, reachable: check != nil, check: check))
        }
        let heads = report.members.compactMap { $0.check?.brokenAtIndex == nil ? $0.check?.headIndex : nil }
        guard let common = heads.min() else { return report }
        report.commonIndex = common
        let links = await ask(report.members.filter { $0.check?.brokenAtIndex == nil && $0.check?.headIndex != nil }.map(\.member),
                              ChainQuery(linkAtOrBefore: common))
        for position in report.members.indices {
            report.members[position].commonLink = links[report.members[position].member].flatMap { String(bytes: $0, encoding: .utf8) }
        }
        return report
    }

    /// The answer to a member's chain question.
    public func handleChainCall(_ body: [UInt8]) -> [UInt8] {
        guard let query = try? JSONDecoder().decode(ChainQuery.self, from: Data(body)) else { return [] }
        return answerChain(query) ?? []
    }

    private func answerChain(_ query: ChainQuery) -> [UInt8]? {
        if let index = query.linkAtOrBefore { return (try? keyspace.auditLink(atOrBefore: index)).flatMap { $0.map { Array($0.utf8) } } }
        return (try? keyspace.checkAuditChain()).flatMap { try? JSONEncoder().encode($0).byteArray }
    }

    /// Each member's answer (this node answers itself), asked at once; nil for those that did not answer.
    private func ask(_ targets: [String], _ query: ChainQuery) async -> [String: [UInt8]] {
        guard let payload = try? JSONEncoder().encode(query).byteArray else { return [:] }
        let peerLink = currentLink
        let own = config.nodeID
        return await withTaskGroup(of: (String, [UInt8]?).self) { group in
            for member in targets {
                group.addTask {
                    if member == own { return (member, self.answerChain(query)) }
                    guard let peerLink, let answer = try? await peerLink.call(.auditChain, payload, to: member, timeout: .seconds(5)),
                          !answer.isEmpty else { return (member, nil) }
                    return (member, answer)
                }
            }
            var answers: [String: [UInt8]] = [:]
            for await (member, answer) in group { answers[member] = answer }
            return answers
        }
    }
}
