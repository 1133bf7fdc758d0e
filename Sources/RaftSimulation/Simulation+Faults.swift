import Raft

/// The nemesis: crashes and power cuts, partitions, membership changes, leadership
/// transfers, and the healing that ends the fault phase.
extension Simulation {
    func currentLeader() -> SimNode? {
        var best: SimNode?
        for n in nodes where !n.retired {
            guard let raft = n.raft, raft.role == .leader else { continue }
            if best == nil || raft.term > best!.raft!.term { best = n }
        }
        return best
    }

    func currentConf() -> ConfState {
        if let leader = currentLeader() { lastKnownConf = leader.raft!.confState }
        return lastKnownConf
    }

    /// Faults never take out more than a minority of the current voters, counting crashed
    /// and partitioned ones together, so the cluster can keep making progress.
    func injectFaults() {
        let conf = currentConf()
        let tolerance = (conf.voters.count - 1) / 2
        let live = nodes.filter { !$0.retired }
        func impairedVoters() -> Int {
            let cut = Set(network.impairedNodes)
            return conf.voters.filter { id in node(id).map { !$0.isUp || cut.contains(id) } ?? true }.count
        }

        if rng.chance(plan.crashRate) {
            let up = live.filter(\.isUp)
            if !up.isEmpty {
                var victim = up[rng.below(up.count)]
                if let leader = currentLeader(), rng.chance(plan.leaderCrashShare) { victim = leader }
                if !conf.isVoter(victim.id) || impairedVoters() < tolerance {
                    crash(victim)
                }
            }
        }
        for n in live where !n.isUp && rng.chance(plan.restartRate) {
            restart(n)
        }
        if !network.isPartitioned && rng.chance(plan.partitionRate) {
            let budget = tolerance - impairedVoters()
            let up = live.filter(\.isUp).map(\.id)
            if budget > 0 && up.count > 1 {
                var shuffled = up
                for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, rng.below(i + 1)) }
                // Half the time the leader is among the cut: a leader that lost its network
                // and may not know it yet.
                if rng.chance(0.5), let leader = currentLeader(), let at = shuffled.firstIndex(of: leader.id) {
                    shuffled.swapAt(0, at)
                }
                let all = live.map(\.id)
                if rng.chance(0.5) {
                    let group = Array(shuffled.prefix(1 + rng.below(budget)))
                    network.isolate(group, from: all.filter { !group.contains($0) })
                    log("partition: \(group.sorted()) cut off from the rest")
                } else {
                    let victim = shuffled[0]
                    let outgoing = rng.chance(0.5)
                    network.cutOneWay(victim, others: all.filter { $0 != victim }, outgoing: outgoing)
                    log("partition: node \(victim) can no longer \(outgoing ? "send" : "receive")")
                }
            }
        } else if network.isPartitioned && rng.chance(plan.healRate) {
            network.heal()
            log("partition healed")
        }
        if rng.chance(plan.burstRate), let leader = currentLeader() { burstAndDepose(leader) }
        if rng.chance(plan.membershipRate) { changeMembership() }
        if rng.chance(plan.transferRate), let leader = currentLeader() {
            let others = leader.raft!.confState.voters.filter { $0 != leader.id }
            if !others.isEmpty {
                let target = others[rng.below(others.count)]
                if (try? leader.raft!.transferLeadership(to: target)) != nil {
                    log("leader \(leader.id) transfers leadership to \(target)")
                }
                afterStep(leader)
            }
        }
        retireRemovedNodes()
    }

    /// The leader takes a burst of proposals and is crashed or cut off before, or soon after,
    /// they reach its followers: its appends are on their way, maybe to a minority only, its
    /// own write may not be synced, and it may not learn what its followers acknowledged.
    func burstAndDepose(_ leader: SimNode) {
        let count = rng.inRange(5...40)
        propose(fillers: count, at: leader)
        log("burst: leader \(leader.id) takes \(count) proposals and is deposed")
        let when = now + rng.inRange(0...plan.delay.upperBound)
        queue.push(rng.chance(0.5) ? .crash(leader.id, incarnation: leader.incarnation) : .isolate(leader.id), at: when)
    }

    /// Proposals no client waits for, which the state machine ignores.
    func propose(fillers count: Int, at n: SimNode) {
        for _ in 0..<count {
            // Never 56 bytes long, so it never decodes as a client's command.
            let filler = [0xF1] + (0..<rng.below(40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            try? n.raft?.propose(filler)
        }
        afterStep(n)
    }

    /// A process crash keeps what the node wrote (the OS has it); a power cut loses what was
    /// not synced, or tears it: a prefix of the entries survives, and the hard state only
    /// with all of them. Safe because nothing sent before the sync promised either.
    func crash(_ n: SimNode) {
        if let write = n.unsyncedWrite {
            if rng.chance(plan.powerCutShare) {
                if write.snapshot == nil, rng.chance(0.5) {
                    // Entries are written before the hard state (whose commit index may cover
                    // them), so the state survives only when every entry did.
                    let kept = rng.below(write.entries.count + 1)
                    let state = kept == write.entries.count && rng.chance(0.5) ? write.hardState : nil
                    n.unsyncedWrite = (nil, Array(write.entries.prefix(kept)), state)
                    log("power cut on node \(n.id): a torn write keeps \(kept) of \(write.entries.count) entries")
                    _ = writeUnsynced(n)
                } else {
                    log("power cut on node \(n.id): its unsynced write is lost")
                }
            } else {
                log("crash node \(n.id): the OS keeps its unsynced write")
                _ = writeUnsynced(n)
            }
        } else {
            log("crash node \(n.id)")
        }
        n.crash()
    }

    func restart(_ n: SimNode) {
        n.boot(rng: rng.fork(), plan: plan)
        checker.forgetCommit(of: n.id)
        log("restart node \(n.id) from disk (term \(n.raft!.term), last index \(n.raft!.lastIndex))")
        queue.push(.tick(n.id, incarnation: n.incarnation), at: now + 1 + rng.below(Self.tickInterval))
        afterStep(n)
    }

    /// One single-server change per call: add a learner, promote it, or remove a voter
    /// (never the leader), keeping the voter count within one of the initial size.
    func changeMembership() {
        guard let leader = currentLeader() else { return }
        let conf = leader.raft!.confState
        var change: ConfChange?
        var newNode: SimNode?
        if let learner = conf.learners.first {
            change = .addVoter(learner)
        } else if conf.voters.count <= options.nodeCount && membershipAdds < 2 {
            newNode = addNode(disk: MemoryStorage())
            change = .addLearner(newNode!.id)
        } else if conf.voters.count > options.nodeCount {
            let candidates = conf.voters.filter { $0 != leader.id }
            change = .removeNode(candidates[rng.below(candidates.count)])
        }
        guard let change else { return }
        do {
            try leader.raft!.proposeConfChange(change)
            if newNode != nil { membershipAdds += 1 }
            log("leader \(leader.id) proposes \(change)")
        } catch {
            log("leader \(leader.id) refused \(change): \(error)")
            if let newNode { retire(newNode) }
        }
        afterStep(leader)
    }

    /// Nodes that no server counts as a member any more are shut down for good. Every
    /// server must be up to tell: an uncommitted change on a crashed one may come back.
    func retireRemovedNodes() {
        guard let leader = currentLeader(), !leader.raft!.hasPendingConfChange else { return }
        let live = nodes.filter { !$0.retired }
        guard live.allSatisfy(\.isUp) else { return }
        let members = Set(live.flatMap { $0.raft!.confState.members })
        for n in live where now - n.createdAt > 1_000 && !members.contains(n.id) {
            retire(n)
        }
    }

    func retire(_ n: SimNode) {
        log("retire node \(n.id)")
        n.crash()
        n.retired = true
    }

    func healEverything() {
        log("heal: restart every node, repair the network, stop injecting faults")
        network.heal()
        for n in nodes where !n.retired && !n.isUp { restart(n) }
    }
}
