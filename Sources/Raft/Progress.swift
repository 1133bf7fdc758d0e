/// The leader's view of one follower's log (etcd's tracker.Progress).
struct Progress: Sendable, Hashable {
    enum State: Sendable, Hashable {
        /// Unknown match: send one append at a time and wait for the answer.
        case probe
        /// Known match: stream appends optimistically within the inflight window.
        case replicate
        /// Needs a snapshot; appends are paused until it is acknowledged.
        case snapshot(pendingIndex: LogIndex)
    }

    var match: LogIndex = 0
    var next: LogIndex
    var state: State = .probe
    /// In probe state, one append was sent and is awaiting a reply (or a heartbeat tick).
    var probeSent = false
    /// Heard from within the current CheckQuorum interval.
    var recentActive = false
    /// The highest applied index the member reported, and leader ticks since it last
    /// answered: what an operator needs to know whether a change is in effect there.
    var applied: LogIndex = 0
    var ticksSinceHeard = 0
    /// Heartbeat answers seen while waiting on a snapshot, to pace resends.
    var snapshotWaits = 0
    var isLearner: Bool
    var inflights: Inflights

    init(next: LogIndex, isLearner: Bool, maxInflight: Int) {
        self.next = next
        self.isLearner = isLearner
        self.inflights = Inflights(capacity: maxInflight)
    }

    var isPaused: Bool {
        switch state {
        case .probe: return probeSent
        case .replicate: return inflights.isFull
        case .snapshot: return true
        }
    }

    mutating func becomeProbe() {
        if case .snapshot(let pending) = state {
            next = max(match + 1, pending + 1)
        } else {
            next = match + 1
        }
        state = .probe
        probeSent = false
        inflights.reset()
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match + 1
        probeSent = false
        inflights.reset()
    }

    mutating func becomeSnapshot(index: LogIndex) {
        state = .snapshot(pendingIndex: index)
        snapshotWaits = 0
        probeSent = false
        inflights.reset()
    }

    /// An acknowledgement up to `index`. Returns whether it told us anything new.
    mutating func maybeUpdate(_ index: LogIndex) -> Bool {
        var updated = false
        if index > match {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// Records that an append ending at `lastIndex` was sent.
    mutating func sentEntries(lastIndex: LogIndex, count: Int) {
        switch state {
        case .replicate:
            if count > 0 {
                next = lastIndex + 1
                inflights.add(lastIndex)
            }
        case .probe:
            probeSent = true
        case .snapshot:
            break
        }
    }

    /// A rejection of the append whose previous index was `rejected`. Returns false if the
    /// rejection is stale (refers to an append older than what we already know).
    mutating func maybeDecrease(rejected: LogIndex, hint: LogIndex) -> Bool {
        if state == .replicate {
            // In replicate state `match` is certain; a rejection at or below it is stale.
            guard rejected > match else { return false }
            next = match + 1
            return true
        }
        // Probe: only the reply to the outstanding probe (at next-1) counts.
        guard next >= 1, rejected == next - 1 else { return false }
        next = max(hint >= rejected ? rejected : hint + 1, match + 1)
        probeSent = false
        return true
    }
}
