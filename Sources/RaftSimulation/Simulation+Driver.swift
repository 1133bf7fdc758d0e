import Raft

/// What a node's driver does with the steps its driver core plans: the simulated disk
/// (a write, then its sync some milliseconds later), the state machine, reads, snapshots.
extension Simulation {
    /// Performs a Ready's steps in order until a sync, which the simulated disk completes
    /// later (`persisted`); after the last step the Ready is done.
    func perform(_ steps: [DriverCore.Step], at n: SimNode) {
        for (position, step) in steps.enumerated() {
            switch step {
            case .send(let messages):
                for m in messages {
                    if m.kind == .appendResponse && !m.reject {
                        let before = n.acknowledged?.term == m.term ? n.acknowledged!.index : 0
                        n.acknowledged = (m.term, max(before, m.index))
                    }
                    send(m)
                }
            case .persist(let snapshot, let entries, let hardState):
                n.unsyncedWrite = (snapshot, entries, hardState)
            case .sync:
                n.pendingSteps = Array(steps[(position + 1)...])
                queue.push(.persisted(n.id, incarnation: n.incarnation), at: now + rng.inRange(plan.diskLatency))
                return
            case .apply(let snapshot, let entries):
                // Without a sync (only a commit index to record) the write goes to disk as is.
                guard writeUnsynced(n) else { return }
                if let snap = snapshot {
                    n.store = KeyValueStore(snapshotData: snap.data)
                    n.appliedConf = snap.metadata.confState
                    n.applied = snap.metadata.index
                    n.installedSnapshot = snap.metadata.index
                    log("node \(n.id) installed snapshot at \(snap.metadata.index)")
                }
                for entry in entries { apply(entry, at: n) }
            case .confirmReads(let states):
                for state in states {
                    guard let cmd = Command(decoding: state.context),
                          let floor = readFloors.removeValue(forKey: SimNode.ClientOp(client: cmd.client, opID: cmd.opID)) else { continue }
                    do {
                        try checker.checkReadIndex(state.index, committedBeforeRead: floor, node: n.id)
                    } catch {
                        failure = error.description
                    }
                }
                n.waiters.readsConfirmed(states)
            }
        }
        guard writeUnsynced(n), let ready = n.pendingReady else { return }
        n.pendingReady = nil
        n.pendingSteps = []
        n.raft!.advance(ready)
        answerWaiters(n)
        maybeSnapshot(n)
        afterStep(n)
    }

    /// Moves what the node wrote to its disk; false (and a failure recorded) if that broke a rule.
    func writeUnsynced(_ n: SimNode) -> Bool {
        guard let write = n.unsyncedWrite else { return true }
        n.unsyncedWrite = nil
        do {
            if let snap = write.snapshot { try checker.checkSnapshot(snap.metadata, node: n.id) }
            try n.writeToDisk(write)
            return true
        } catch let error as SafetyChecker.Violation {
            failure = error.description
        } catch {
            failure = "node \(n.id) disk write failed: \(error)"
        }
        return false
    }

    /// The Ready's write is durable: go on with the steps after its sync.
    func persist(_ n: SimNode) {
        guard n.pendingReady != nil, n.raft != nil else { return }
        guard writeUnsynced(n) else { return }
        perform(n.pendingSteps, at: n)
    }

    func apply(_ entry: Entry, at n: SimNode) {
        do {
            try checker.checkApplied(entry, node: n.id)
        } catch {
            failure = error.description
        }
        n.applied = entry.index
        switch entry.kind {
        case .confChange:
            n.appliedConf = n.appliedConf.applyingFromLog(entry)
        case .normal:
            guard !entry.data.isEmpty, let cmd = Command(decoding: entry.data) else { return }
            let output = n.store.apply(cmd.input)
            let op = SimNode.ClientOp(client: cmd.client, opID: cmd.opID)
            appliedWrites.insert(op)
            if droppedWrites.contains(op) { failure = "node \(n.id) applied at \(entry.index) a write answered dropped" }
            n.appliedWrites.append((entry.index, op))
            n.outputs[entry.index] = output
        }
    }

    /// Answers what the driver core says is answered now. A read is served from the state
    /// as applied (at or past its confirmed index); a dropped write is refused without effect
    /// (the client leaves it out of the history: were it applied after all, the check fails).
    func answerWaiters(_ n: SimNode) {
        let answers = n.waiters.applied(through: n.applied, entries: n.appliedWrites, snapshot: n.installedSnapshot)
        for answer in answers {
            switch answer {
            case .applied(let cmd, let index):
                if case .get(let key) = cmd.input {
                    respond(client: cmd.client, opID: cmd.opID, result: .done(.value(n.store.read(key))))
                } else if let output = n.outputs[index] {
                    respond(client: cmd.client, opID: cmd.opID, result: .done(output))
                }
            case .dropped(let cmd):
                let op = SimNode.ClientOp(client: cmd.client, opID: cmd.opID)
                droppedWrites.insert(op)
                if appliedWrites.contains(op) { failure = "node \(n.id) answered dropped a write that was applied" }
                respond(client: cmd.client, opID: cmd.opID, result: .notLeader(hint: n.raft?.leader ?? noNode))
            case .unknown, .timedOut:
                break // the client times out: the write may or may not have happened
            }
        }
        n.appliedWrites = []
        n.outputs = [:]
        n.installedSnapshot = nil
    }

    /// Compacts the log behind a fresh snapshot now and then, so lagging and new nodes
    /// need InstallSnapshot.
    func maybeSnapshot(_ n: SimNode) {
        let snapIndex = n.disk.snapshot().metadata.index
        guard n.applied >= snapIndex + LogIndex(plan.snapshotEvery) else { return }
        do {
            try n.disk.createSnapshot(index: n.applied, confState: n.appliedConf, data: n.store.snapshotData())
            let compactTo = n.applied - min(n.applied, LogIndex(plan.snapshotKeep))
            if compactTo >= n.disk.firstIndex() { try n.disk.compact(upTo: compactTo) }
            log("node \(n.id) snapshot at \(n.applied), compacted to \(compactTo)")
        } catch {
            failure = "node \(n.id) snapshot failed: \(error)"
        }
    }
}
