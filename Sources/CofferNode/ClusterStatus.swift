import CofferStore
import Foundation
import Raft

/// One member as a node sees it: where it listens, and its Raft state as it reported it.
public struct MemberStatus: Codable, Sendable {
    public let id: String
    public let apiAddress: String
    public let peerAddress: String
    /// "voter" or "learner".
    public let membership: String
    public var reachable: Bool
    public var role: String?
    public var term: UInt64?
    public var leader: String?
    public var commit: UInt64?
    public var applied: UInt64?
}

/// A node's own Raft state, as it answers a status call.
struct LocalStatus: Codable, Sendable {
    let id: String
    let role: String
    let term: UInt64
    let leader: String?
    let commit: UInt64
    let applied: UInt64
}

extension Node {
    func localStatus() -> LocalStatus {
        let status = self.status
        let role = status.learners.contains(raftID) ? "learner" : status.role.rawValue
        return LocalStatus(id: config.nodeID, role: role, term: status.term,
                           leader: status.leader == noNode ? nil : memberName(status.leader),
                           commit: status.commit, applied: status.applied)
    }

    /// The answer to a peer's status call.
    public func handleStatusCall() -> [UInt8] {
        (try? JSONEncoder().encode(localStatus()).byteArray) ?? []
    }

    /// Every member of the current configuration, asking each for its own state.
    public func clusterStatus() async -> (leader: String?, members: [MemberStatus]) {
        let status = self.status
        let peerLink = currentLink
        var members: [MemberStatus] = []
        let configured = Set(configurationMembers)
        for member in self.members where configured.contains(member.id) {
            let id = MemberID.raftID(member.id)
            var entry = MemberStatus(id: member.id, apiAddress: member.apiAddress, peerAddress: member.peerAddress,
                                     membership: status.voters.contains(id) ? "voter" : "learner", reachable: false)
            var reported: LocalStatus?
            if member.id == config.nodeID {
                reported = localStatus()
            } else if let peerLink,
                      let answer = try? await peerLink.call(.status, [], to: member.id, timeout: .seconds(1)) {
                reported = try? JSONDecoder().decode(LocalStatus.self, from: Data(answer))
            }
            if let reported {
                entry.reachable = true
                entry.role = reported.role
                entry.term = reported.term
                entry.leader = reported.leader
                entry.commit = reported.commit
                entry.applied = reported.applied
            }
            members.append(entry)
        }
        return (status.leader == noNode ? nil : memberName(status.leader), members)
    }
}
