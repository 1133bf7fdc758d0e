extension Raft {
    mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        tracker.tickContacts()
        if electionElapsed >= config.electionTicks {
            electionElapsed = 0
            if config.checkQuorum {
                // A leader cut off from a majority steps down, so clients stop waiting on it.
                if !tracker.quorumActive(leader: id) {
                    becomeFollower(term: term, leader: noNode)
                    return
                }
                tracker.clearRecentActive(except: id)
            }
            // A transfer that did not finish within an election timeout is abandoned.
            leadTransferee = noNode
        }
        if heartbeatElapsed >= config.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat(context: readOnly.lastContext ?? [])
        }
    }

    mutating func stepLeader(_ m: Message) {
        switch m.kind {
        case .beat:
            broadcastHeartbeat(context: readOnly.lastContext ?? [])
        case .readIndex:
            handleReadIndex(context: m.context, from: m.from)
        case .appendResponse:
            tracker.heard(from: m.from, applied: m.applied)
            handleAppendResponse(m)
        case .heartbeatResponse:
            tracker.heard(from: m.from, applied: m.applied)
            handleHeartbeatResponse(m)
        case .transferLeader:
            startTransfer(to: m.from)
        default:
            break
        }
    }

    // MARK: Proposals

    /// Appends entries at the leader's term, then replicates them.
    mutating func appendEntries(_ entries: [Entry]) {
        var last = log.lastIndex
        let stamped = entries.map { entry -> Entry in
            last += 1
            return Entry(index: last, term: term, kind: entry.kind, data: entry.data)
        }
        log.append(stamped)
        // Not counted towards a quorum yet: the leader counts itself only for what its own
        // disk holds, once the driver has persisted these and called `advance` (it may send
        // them to followers before that, Raft thesis §10.2.1).
        for entry in stamped where entry.kind == .confChange {
            lastConfIndex = entry.index
            installConf(tracker.conf.applyingFromLog(entry))
        }
    }

    /// The driver persisted this leader's entries through `persistedIndex`: count them for
    /// itself now, and commit what a quorum (itself included) holds. A single-voter cluster
    /// commits here.
    mutating func countOwnPersistedEntries() {
        let persisted = persistedIndex
        guard role == .leader, tracker[id]?.maybeUpdate(persisted) == true else { return }
        if maybeCommit() { broadcastAppend() }
    }

    public mutating func propose(_ data: [UInt8]) throws(RaftError) {
        try checkCanPropose()
        appendEntries([Entry(index: 0, term: 0, kind: .normal, data: data)])
        broadcastAppend()
    }

    /// Proposes one membership change. Refused unless the previous change is committed and
    /// this leader has committed an entry of its own term (the fix to single-server changes
    /// from the thesis errata), and unless the change is valid for the current membership.
    public mutating func proposeConfChange(_ change: ConfChange) throws(RaftError) {
        try checkCanPropose()
        guard lastConfIndex <= log.committed else {
            throw .proposalDropped(reason: "a membership change is still pending")
        }
        guard log.term(at: log.committed) == term else {
            throw .proposalDropped(reason: "leader has not committed an entry in its term yet")
        }
        if case .removeNode(let node) = change, node == id {
            throw .invalidConfChange(reason: "transfer leadership before removing the leader")
        }
        _ = try tracker.conf.applying(change)
        appendEntries([Entry(index: 0, term: 0, kind: .confChange, data: change.encoded())])
        broadcastAppend()
    }

    func checkCanPropose() throws(RaftError) {
        guard role == .leader else { throw .proposalDropped(reason: "not the leader") }
        guard leadTransferee == noNode else { throw .proposalDropped(reason: "leadership transfer in progress") }
        guard tracker.conf.isVoter(id) else { throw .proposalDropped(reason: "leader is not a voter") }
    }

    // MARK: Commit

    /// Commits the highest index replicated on a majority, but only if that entry is from
    /// the current term (§5.4.2, Figure 8): older entries are committed indirectly.
    @discardableResult
    mutating func maybeCommit() -> Bool {
        guard role == .leader else { return false }
        let wasCommittedInTerm = log.term(at: log.committed) == term
        guard log.maybeCommit(index: tracker.committedIndex(), term: term) else { return false }
        if !wasCommittedInTerm { releasePendingReads() }
        return true
    }

    // MARK: Replication

    mutating func broadcastAppend() {
        for peer in tracker.members where peer != id {
            sendAppend(to: peer)
        }
    }

    /// Sends the next batch of entries to `peer` if its flow control allows, or a snapshot
    /// if the entries it needs were compacted. Returns whether anything was sent.
    @discardableResult
    mutating func sendAppend(to peer: NodeID, sendIfEmpty: Bool = true) -> Bool {
        guard var pr = tracker[peer], !pr.isPaused else { return false }
        let prevIndex = pr.next - 1
        guard let prevTerm = log.term(at: prevIndex),
              let entries = try? log.entries(from: pr.next, maxBytes: config.maxMessageBytes) else {
            return sendSnapshot(to: peer)
        }
        if entries.isEmpty && !sendIfEmpty { return false }
        var m = Message(kind: .append, to: peer)
        m.index = prevIndex
        m.logTerm = prevTerm
        m.entries = entries
        m.commit = log.committed
        send(m)
        pr.sentEntries(lastIndex: entries.last?.index ?? prevIndex, count: entries.count)
        tracker[peer] = pr
        return true
    }

    /// InstallSnapshot, split into chunks sent back to back. The follower assembles them in
    /// order; if any is lost it answers nothing and the leader resends after a few heartbeats.
    mutating func sendSnapshot(to peer: NodeID) -> Bool {
        guard var pr = tracker[peer], pr.recentActive else { return false }
        let snap = log.snapshot()
        guard !snap.isEmpty else { return false }
        let chunkSize = max(1, config.snapshotChunkBytes)
        var offset = 0
        repeat {
            let end = min(offset + chunkSize, snap.data.count)
            var m = Message(kind: .snapshotChunk, to: peer)
            m.snapshot = snap.metadata
            m.chunkOffset = offset
            m.chunkData = Array(snap.data[offset..<end])
            m.chunkIsLast = end == snap.data.count
            send(m)
            offset = end
        } while offset < snap.data.count
        pr.becomeSnapshot(index: snap.metadata.index)
        tracker[peer] = pr
        return true
    }

    mutating func broadcastHeartbeat(context: [UInt8]) {
        for peer in tracker.members where peer != id {
            guard let pr = tracker[peer] else { continue }
            var m = Message(kind: .heartbeat, to: peer)
            // Never tell a follower to commit beyond what it is known to hold.
            m.commit = min(pr.match, log.committed)
            m.context = context
            send(m)
        }
    }

    mutating func handleAppendResponse(_ m: Message) {
        // A follower can only acknowledge or refuse what this log holds.
        guard var pr = tracker[m.from], m.index <= log.lastIndex else { return }
        pr.recentActive = true
        if m.reject {
            if pr.maybeDecrease(rejected: m.index, hint: m.rejectHint) {
                if pr.state == .replicate { pr.becomeProbe() }
                tracker[m.from] = pr
                sendAppend(to: m.from)
            } else {
                tracker[m.from] = pr
            }
            return
        }
        let wasPaused = pr.isPaused
        guard pr.maybeUpdate(m.index) else {
            tracker[m.from] = pr
            return
        }
        switch pr.state {
        case .probe:
            pr.becomeReplicate()
        case .snapshot(let pending) where pr.match >= pending:
            pr.becomeProbe()
            pr.becomeReplicate()
        case .snapshot:
            break
        case .replicate:
            pr.inflights.freeLE(m.index)
        }
        tracker[m.from] = pr
        if maybeCommit() {
            broadcastAppend()
        } else if wasPaused {
            sendAppend(to: m.from)
        }
        // Pipeline: keep sending while the window has room and there is something to send.
        while sendAppend(to: m.from, sendIfEmpty: false) {}
        if m.from == leadTransferee, tracker[m.from]?.match == log.lastIndex {
            sendTimeoutNow(to: m.from)
        }
    }

    mutating func handleHeartbeatResponse(_ m: Message) {
        guard var pr = tracker[m.from] else { return }
        pr.recentActive = true
        pr.probeSent = false
        // Appends may have been lost with the window full: free a slot so the follower
        // gets something again (its answer will repair `next`).
        if pr.state == .replicate && pr.inflights.isFull { pr.inflights.freeFirst() }
        if case .snapshot = pr.state {
            // The snapshot (or its acknowledgement) may be lost: retry every few heartbeats.
            pr.snapshotWaits += 1
            if pr.snapshotWaits >= 4 {
                pr.snapshotWaits = 0
                pr.becomeProbe()
            }
        }
        tracker[m.from] = pr
        if pr.match < log.lastIndex { sendAppend(to: m.from) }
        if !m.context.isEmpty { handleReadAck(context: m.context, from: m.from) }
    }

    // MARK: ReadIndex

    mutating func handleReadIndex(context: [UInt8], from requester: NodeID) {
        guard log.term(at: log.committed) == term else {
            // Our commit index may lag the real one until we commit an entry of our term.
            pendingReads.append((context, requester))
            return
        }
        if tracker.voters == [id] {
            answerRead(ReadOnly.Request(context: context, index: log.committed, from: requester, acks: [id]))
            return
        }
        readOnly.add(context: context, index: log.committed, from: requester, leader: id)
        broadcastHeartbeat(context: context)
    }

    mutating func releasePendingReads() {
        let reads = pendingReads
        pendingReads = []
        for read in reads { handleReadIndex(context: read.context, from: read.from) }
    }

    mutating func handleReadAck(context: [UInt8], from peer: NodeID) {
        guard tracker.conf.isVoter(peer), let acks = readOnly.ack(context: context, from: peer) else { return }
        let voterAcks = tracker.voters.filter { acks.contains($0) }.count
        guard voterAcks >= Quorum.size(voters: tracker.voters.count) else { return }
        for request in readOnly.advance(through: context) { answerRead(request) }
    }

    mutating func answerRead(_ request: ReadOnly.Request) {
        if request.from == id {
            readStates.append(ReadState(index: request.index, context: request.context))
        } else {
            var m = Message(kind: .readIndexResponse, to: request.from)
            m.index = request.index
            m.context = request.context
            send(m)
        }
    }

    // MARK: Leadership transfer

    mutating func startTransfer(to target: NodeID) {
        guard target != id, tracker.conf.isVoter(target), leadTransferee != target else { return }
        leadTransferee = target
        // The transfer must finish within one election timeout.
        electionElapsed = 0
        if tracker[target]?.match == log.lastIndex {
            sendTimeoutNow(to: target)
        } else {
            sendAppend(to: target)
        }
    }

    mutating func sendTimeoutNow(to target: NodeID) {
        send(Message(kind: .timeoutNow, to: target))
    }
}
