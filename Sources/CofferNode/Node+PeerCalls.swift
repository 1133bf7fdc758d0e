/// Questions put to every member of the configuration at once (usage, audit chains).
extension Node {
    /// The ids of the members in the current Raft configuration (voters and learners), in
    /// name order; this node among them when it is in it.
    var configurationMembers: [String] {
        let status = self.status
        return members.map(\.id).filter { id in
            let raft = MemberID.raftID(id)
            return status.voters.contains(raft) || status.learners.contains(raft)
        }
    }

    /// Each peer's answer to one call, asked concurrently; a peer that does not answer, or
    /// answers nothing, is left out.
    func askPeers(_ peers: [String], _ kind: PeerFrameKind, _ payload: [UInt8], timeout: Duration) async -> [String: [UInt8]] {
        guard let peerLink = currentLink, !peers.isEmpty else { return [:] }
        return await withTaskGroup(of: (String, [UInt8]?).self) { group in
            for member in peers {
                group.addTask {
                    guard let answer = try? await peerLink.call(kind, payload, to: member, timeout: timeout), !answer.isEmpty else {
                        return (member, nil)
                    }
                    return (member, answer)
                }
            }
            var answers: [String: [UInt8]] = [:]
            for await (member, answer) in group { answers[member] = answer }
            return answers
        }
    }
}
