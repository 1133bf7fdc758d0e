import Raft

/// After healing: has every client made progress, and have all members converged?
extension Simulation {
    func isConverged() -> Bool {
        guard clients.allSatisfy({ $0.pending == nil }), let leader = currentLeader(), let lr = leader.raft else { return false }
        guard !lr.hasPendingConfChange, lr.commitIndex == lr.lastIndex else { return false }
        for id in lr.confState.members {
            guard let n = node(id), let raft = n.raft, n.pendingReady == nil else { return false }
            if raft.commitIndex != lr.commitIndex || n.applied != lr.commitIndex || n.store != leader.store { return false }
        }
        log("converged at index \(lr.commitIndex) with \(lr.confState)")
        return true
    }

    func livenessStatus() -> String {
        var parts: [String] = []
        for n in nodes where !n.retired {
            if let r = n.raft {
                parts.append("\(n.id):\(r.role) t\(r.term) c\(r.commitIndex) a\(n.applied) l\(r.lastIndex)")
            } else {
                parts.append("\(n.id):down")
            }
        }
        let waiting = clients.filter { $0.successesAfterHeal < 2 }.map(\.id)
        let busy = clients.filter { $0.pending != nil }.map(\.id)
        var status = parts.joined(separator: ", ") + "; clients without progress: \(waiting), clients waiting: \(busy)"
        if let leader = currentLeader() {
            let differing = nodes.filter { !$0.retired && $0.isUp && $0.store != leader.store }.map(\.id)
            status += ", pending membership change: \(leader.raft!.hasPendingConfChange), state differs on: \(differing)"
        }
        return status
    }
}
