/// The order in which a driver works through one `Ready`, decided once for the node and the
/// simulator: a struct with no I/O, no clock and no threads, whose `plan` returns the steps
/// and whose shells perform them in order.
///
/// The rules (DESIGN, Raft and driver contract):
/// 1. A leader may send its appends and heartbeats before its own write is synced (Raft
///    thesis §10.2.1); the core counts it towards a quorum only once `advance` says the
///    write is durable. It may not when the Ready changes its term or vote: those must be
///    durable before anyone hears of them.
/// 2. Everything else is sent only after the sync: a follower's acknowledgement, a vote, a
///    response promising what this Ready persisted.
/// 3. Committed entries (and a snapshot) are applied only after the sync, and the responses
///    sent after it carry the index this Ready applied.
/// 4. A Ready with nothing to persist has no sync.
/// Then the shell calls `Raft.advance` with the Ready.
public struct DriverCore: Sendable {
    public enum Step: Sendable, Equatable {
        /// Send these messages now.
        case send([Message])
        /// Write these records (a snapshot, entries, the hard state); not yet durable.
        case persist(snapshot: Snapshot?, entries: [Entry], hardState: HardState?)
        /// Make everything written so far durable before going on.
        case sync
        /// Install the snapshot in the state machine and apply the committed entries.
        case apply(snapshot: Snapshot?, entries: [Entry])
        /// These reads may be served once the state machine has applied their index.
        case confirmReads([ReadState])
    }

    /// The term and vote on disk: what a message sent before the sync may rely on.
    public private(set) var durableTerm: Term
    public private(set) var durableVote: NodeID

    public init(durable: HardState) {
        durableTerm = durable.term
        durableVote = durable.vote
    }

    /// The steps of `ready`, in order, for a node that is `role` now. The shell performs all
    /// of them before asking for the next plan (a crash in between starts a new core from
    /// what is durable).
    public mutating func plan(_ ready: Ready, role: RaftRole) -> [Step] {
        let keepsTermAndVote = ready.hardState.map { $0.term == durableTerm && $0.vote == durableVote } ?? true
        let sendsEarly = role == .leader && keepsTermAndVote
        func isEarly(_ message: Message) -> Bool {
            // An append carrying only a commit index waits: sent early it set followers applying
            // while the leader applied the same entries, on the write's critical path.
            sendsEarly && (message.kind == .heartbeat || (message.kind == .append && !message.entries.isEmpty))
        }
        var steps: [Step] = []
        let early = ready.messages.filter(isEarly)
        if !early.isEmpty { steps.append(.send(early)) }
        let snapshot = ready.snapshot.flatMap { $0.isEmpty ? nil : $0 }
        if snapshot != nil || !ready.entries.isEmpty || !keepsTermAndVote || ready.hardState != nil {
            steps.append(.persist(snapshot: snapshot, entries: ready.entries, hardState: ready.hardState))
            // A hard state that moves only the commit index can be redone from the log.
            if snapshot != nil || !ready.entries.isEmpty || !keepsTermAndVote { steps.append(.sync) }
        }
        if snapshot != nil || !ready.committedEntries.isEmpty {
            steps.append(.apply(snapshot: snapshot, entries: ready.committedEntries))
        }
        let applied = max(ready.committedEntries.last?.index ?? 0, snapshot?.metadata.index ?? 0)
        let late = ready.messages.filter { !isEarly($0) }.map { message -> Message in
            var message = message
            if message.kind == .appendResponse || message.kind == .heartbeatResponse {
                message.applied = max(message.applied, applied)
            }
            return message
        }
        if !late.isEmpty { steps.append(.send(late)) }
        if !ready.readStates.isEmpty { steps.append(.confirmReads(ready.readStates)) }
        if let hard = ready.hardState { (durableTerm, durableVote) = (hard.term, hard.vote) }
        return steps
    }
}
