import Raft

/// The simulated network: loss, duplication, delay and partitions, all from the seed.
extension Simulation {
    func send(_ m: Message) {
        transmit(m)
        guard phase == .faults else { return }
        if m.kind == .append || m.kind == .vote { remember(m) }
        guard m.kind == .append || m.kind == .heartbeat else { return }
        guard rng.chance(plan.replayRate) else { return }
        // Half the time an append of the leader's current log, half an old message as sent.
        let replay = rng.chance(0.5) ? prefixAppend(beside: m) : pastAppend()
        guard var replay else { return }
        replay.to = m.to
        if trace != nil { log("replay \(describe(replay))") }
        transmit(replay)
    }

    func remember(_ m: Message) {
        if pastAppends.last?.first?.term != m.term {
            pastAppends.append([])
            if pastAppends.count > 16 { pastAppends.removeFirst() }
        }
        if pastAppends[pastAppends.count - 1].count < 8 {
            pastAppends[pastAppends.count - 1].append(m)
        } else {
            pastAppends[pastAppends.count - 1][rng.below(8)] = m
        }
    }

    /// An old append or vote request as it was sent, from a term drawn among the last 16.
    func pastAppend() -> Message? {
        guard !pastAppends.isEmpty else { return nil }
        let term = pastAppends[rng.below(pastAppends.count)]
        return term[rng.below(term.count)]
    }

    /// An append the same leader could have sent earlier in its term (any prefix of its log
    /// is a legal append), carrying its current commit index, from up to 20 entries behind
    /// that index or the message's: it may match only a prefix of a follower's log whose
    /// tail still conflicts, and carry a commit index beyond that prefix (rules 3–5).
    func prefixAppend(beside m: Message) -> Message? {
        guard let raft = node(m.from)?.raft, raft.role == .leader, raft.term == m.term else { return nil }
        if rng.chance(0.5), let worst = prefixShortOfConflict(from: raft, to: m) { return worst }
        let base = m.kind == .append && rng.chance(0.5) ? m.index : min(raft.commitIndex, raft.lastIndex)
        let low = max(raft.firstIndex - 1, base >= 20 ? base - 20 : 0)
        guard base > low else { return nil }
        let prev = low + LogIndex(rng.below(Int(base - low)))
        guard let prevTerm = raft.term(at: prev) else { return nil }
        var replay = Message(kind: .append, from: m.from, to: m.to, term: m.term)
        replay.index = prev
        replay.logTerm = prevTerm
        replay.entries = raft.entries(from: prev + 1, to: min(prev + 1 + LogIndex(rng.inRange(1...3)), raft.lastIndex + 1))
        replay.commit = raft.commitIndex
        return replay
    }

    /// The nemesis's pick, when the follower holds a conflicting tail: an append that matches
    /// its log above its commit index and stops short of where the logs part.
    func prefixShortOfConflict(from raft: Raft, to m: Message) -> Message? {
        guard let follower = node(m.to)?.raft else { return nil }
        let top = min(follower.lastIndex, raft.lastIndex)
        guard follower.lastIndex > follower.commitIndex, top > follower.commitIndex else { return nil }
        // Where the logs part: the highest index both hold with the same term.
        var agreed = top
        while agreed > follower.commitIndex, top - agreed < 64, follower.term(at: agreed) != raft.term(at: agreed) { agreed -= 1 }
        guard follower.term(at: agreed) == raft.term(at: agreed), agreed < follower.lastIndex,
              agreed > follower.commitIndex, follower.commitIndex >= raft.firstIndex - 1 else { return nil }
        let prev = follower.commitIndex + LogIndex(rng.below(Int(agreed - follower.commitIndex)))
        guard let term = raft.term(at: prev) else { return nil }
        var replay = Message(kind: .append, from: m.from, to: m.to, term: m.term)
        replay.index = prev
        replay.logTerm = term
        replay.entries = raft.entries(from: prev + 1, to: min(prev + 1 + LogIndex(rng.inRange(1...3)), agreed + 1))
        replay.commit = raft.commitIndex
        return replay
    }

    func transmit(_ m: Message) {
        guard let target = node(m.to), !target.retired else { return }
        guard network.allows(from: m.from, to: m.to) else { return }
        let faulty = phase == .faults
        if faulty && rng.chance(plan.dropRate) { return }
        queue.push(.deliver(m), at: now + delay(faulty))
        if faulty && rng.chance(plan.duplicateRate) {
            queue.push(.deliver(m), at: now + delay(faulty))
        }
    }

    func delay(_ faulty: Bool) -> Int {
        faulty && rng.chance(plan.slowRate) ? rng.inRange(plan.slowDelay) : rng.inRange(plan.delay)
    }


    func describe(_ m: Message) -> String {
        var text = "\(m.kind) \(m.from)->\(m.to) t\(m.term)"
        switch m.kind {
        case .append: text += " prev=\(m.index)/\(m.logTerm) n=\(m.entries.count) commit=\(m.commit)"
        case .appendResponse: text += " index=\(m.index)\(m.reject ? " REJECT hint=\(m.rejectHint)" : "")"
        case .vote, .preVote: text += " last=\(m.index)/\(m.logTerm)\(m.forceVote ? " forced" : "")"
        case .voteResponse, .preVoteResponse: text += m.reject ? " REJECT" : " GRANT"
        case .heartbeat: text += " commit=\(m.commit)"
        case .snapshotChunk: text += " snap=\(m.snapshot?.index ?? 0) offset=\(m.chunkOffset)\(m.chunkIsLast ? " last" : "")"
        default: break
        }
        return text
    }
}
