extension Raft {
    mutating func stepFollower(_ m: Message) {
        switch m.kind {
        case .append:
            electionElapsed = 0
            leader = m.from
            handleAppend(m)
        case .heartbeat:
            electionElapsed = 0
            leader = m.from
            handleHeartbeat(m)
        case .snapshotChunk:
            electionElapsed = 0
            leader = m.from
            handleSnapshotChunk(m)
        case .timeoutNow:
            // Our leader asks us to take over: skip pre-vote and ignore leases.
            if isPromotable { campaign(.transfer) }
        case .readIndexResponse:
            readStates.append(ReadState(index: m.index, context: m.context))
        default:
            break
        }
    }

    /// Figure 2, AppendEntries receiver.
    mutating func handleAppend(_ m: Message) {
        // Entries must follow the previous index one by one: the log's arithmetic relies on
        // it, so an append that breaks it (a faulty member's) is dropped, never half applied.
        guard m.index <= LogIndex.max - LogIndex(m.entries.count),
              m.entries.indices.allSatisfy({ m.entries[$0].index == m.index + 1 + LogIndex($0) }) else { return }
        var reply = Message(kind: .appendResponse, to: m.from)
        if m.index < log.committed {
            // Everything up to our commit index already matches the leader.
            reply.index = log.committed
            send(reply)
            return
        }
        let oldLast = log.lastIndex
        let conflict = log.findConflict(m.entries)
        if let lastNew = log.maybeAppend(prevIndex: m.index, prevTerm: m.logTerm, leaderCommit: m.commit, entries: m.entries) {
            let truncated = conflict.map { $0 <= oldLast } ?? false
            if truncated || m.entries.contains(where: { $0.kind == .confChange }) {
                refreshConfState()
            }
            reply.index = lastNew
        } else {
            reply.index = m.index
            reply.reject = true
            reply.rejectHint = log.lastIndex
        }
        send(reply)
    }

    mutating func handleHeartbeat(_ m: Message) {
        log.commit(to: min(m.commit, log.lastIndex))
        var reply = Message(kind: .heartbeatResponse, to: m.from)
        reply.context = m.context
        send(reply)
    }

    /// InstallSnapshot receiver: assemble chunks in order, install on the last one.
    mutating func handleSnapshotChunk(_ m: Message) {
        guard let meta = m.snapshot else { return }
        if m.chunkOffset == 0 {
            incomingSnapshot = (meta, [])
        }
        guard incomingSnapshot?.metadata == meta, incomingSnapshot?.data.count == m.chunkOffset else {
            return // out of order or from an older snapshot: wait for the resend
        }
        // Moved out before appending, so the bytes have one owner and grow in place: a copy
        // held in `incomingSnapshot` made every chunk copy all the chunks before it.
        var partial = incomingSnapshot!
        incomingSnapshot = nil
        partial.data += m.chunkData
        guard m.chunkIsLast else {
            incomingSnapshot = partial
            return
        }
        incomingSnapshot = nil
        var reply = Message(kind: .appendResponse, to: m.from)
        if restore(Snapshot(metadata: meta, data: partial.data)) {
            reply.index = log.lastIndex
        } else {
            reply.index = log.committed
        }
        send(reply)
    }

    /// Replaces our log with the snapshot unless we already have what it covers.
    mutating func restore(_ snap: Snapshot) -> Bool {
        let meta = snap.metadata
        guard meta.index > log.committed else { return false }
        if log.matchTerm(meta.index, meta.term) {
            // We hold the snapshot's last entry: just fast-forward the commit index.
            log.commit(to: meta.index)
            return false
        }
        log.restore(snap)
        refreshConfState()
        return true
    }
}
