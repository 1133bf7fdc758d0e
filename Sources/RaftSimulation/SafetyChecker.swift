import Raft

/// Watches every node after every simulation step for the safety properties of Figure 3
/// of the Raft paper. Each check is incremental so it can run after every event.
struct SafetyChecker {
    struct Violation: Error, CustomStringConvertible {
        var description: String
    }

    private struct EntryKey: Hashable {
        var index: LogIndex
        var term: Term
    }

    private struct EntryFacts: Equatable {
        var kind: EntryKind
        var data: [UInt8]
        var previousTerm: Term
    }

    /// Election Safety: the one leader of each term.
    private var leaders: [Term: NodeID] = [:]
    /// Log Matching: what an (index, term) pair means, including the previous entry's term,
    /// so by induction equal pairs imply equal prefixes.
    private var entryFacts: [EntryKey: EntryFacts] = [:]
    /// Committed entries' terms by index (holes where only a snapshot was seen), and the
    /// term of the node that first saw each commit: every leader of that term or later
    /// must hold the entry (Leader Completeness).
    private var committedTerm: [Term?] = [nil]
    private var committedSeenInTerm: [Term] = [0]
    /// State Machine Safety: the entry applied at each index.
    private var appliedEntries: [Entry?] = [nil]

    private var lastCommitSeen: [NodeID: LogIndex] = [:]
    private var lastLeadership: [NodeID: Term] = [:]
    private var leaderCheckedUpTo: [EntryKey: LogIndex] = [:]

    /// Election Safety, commit tracking and Leader Completeness for one node after a step.
    mutating func observe(_ id: NodeID, _ raft: Raft) throws(Violation) {
        if raft.role == .leader {
            if let other = leaders[raft.term], other != id {
                throw Violation(description: "Election Safety: \(other) and \(id) both lead term \(raft.term)")
            }
            leaders[raft.term] = id
        }
        let commit = raft.commitIndex
        let seen = lastCommitSeen[id] ?? 0
        // Figure 2, Rules for Servers, Leaders: a leader advances its commit index only onto
        // an entry of its own term; older entries are committed as that entry's prefix.
        if raft.role == .leader, lastLeadership[id] == raft.term, commit > seen, raft.term(at: commit) != raft.term {
            throw Violation(description: "commitment rule: leader \(id) of term \(raft.term) advanced its commit index to \(commit), an entry of term \(raft.term(at: commit).map(String.init) ?? "?")")
        }
        lastLeadership[id] = raft.role == .leader ? raft.term : nil
        if commit > seen {
            let from = max(seen + 1, raft.firstIndex > 0 ? raft.firstIndex - 1 : 0)
            if from <= commit {
                for index in from...commit {
                    guard index > 0, let term = raft.term(at: index) else { continue }
                    try recordCommitted(index: index, term: term, seenInTerm: raft.term, by: id)
                }
            }
        }
        lastCommitSeen[id] = commit
        if raft.role == .leader { try checkLeaderCompleteness(id, raft) }
    }

    /// A node restarted: its commit index restarts from its disk.
    mutating func forgetCommit(of id: NodeID) {
        lastCommitSeen[id] = nil
        lastLeadership[id] = nil
    }

    private mutating func recordCommitted(index: LogIndex, term: Term, seenInTerm: Term, by id: NodeID) throws(Violation) {
        let i = Int(index)
        while committedTerm.count <= i {
            committedTerm.append(nil)
            committedSeenInTerm.append(0)
        }
        if let known = committedTerm[i] {
            if known != term {
                throw Violation(description: "committed entry \(index) has term \(known) but node \(id) committed term \(term)")
            }
            committedSeenInTerm[i] = min(committedSeenInTerm[i], seenInTerm)
        } else {
            committedTerm[i] = term
            committedSeenInTerm[i] = seenInTerm
        }
    }

    private mutating func checkLeaderCompleteness(_ id: NodeID, _ raft: Raft) throws(Violation) {
        let key = EntryKey(index: LogIndex(id), term: raft.term)
        let from = Int(leaderCheckedUpTo[key] ?? 0) + 1
        guard from < committedTerm.count else { return }
        for i in from..<committedTerm.count {
            guard let term = committedTerm[i], committedSeenInTerm[i] <= raft.term else { continue }
            if LogIndex(i) < raft.firstIndex { continue } // covered by the leader's snapshot
            guard let have = raft.term(at: LogIndex(i)), have == term else {
                throw Violation(description: "Leader Completeness: leader \(id) of term \(raft.term) lacks committed entry \(i) (term \(term)), has \(raft.term(at: LogIndex(i)).map(String.init) ?? "nothing")")
            }
        }
        leaderCheckedUpTo[key] = LogIndex(committedTerm.count - 1)
    }

    /// Log Matching for entries a node just accepted (every entry passes through a Ready).
    mutating func checkNewEntries(_ entries: [Entry], node id: NodeID, raft: Raft) throws(Violation) {
        var previousTerm = entries.first.flatMap { raft.term(at: $0.index - 1) }
        for entry in entries {
            guard let prev = previousTerm else {
                previousTerm = entry.term
                continue
            }
            let key = EntryKey(index: entry.index, term: entry.term)
            let facts = EntryFacts(kind: entry.kind, data: entry.data, previousTerm: prev)
            if let known = entryFacts[key], known != facts {
                throw Violation(description: "Log Matching: node \(id) holds a different entry at index \(entry.index) term \(entry.term)")
            }
            entryFacts[key] = facts
            previousTerm = entry.term
        }
    }

    /// State Machine Safety: no two nodes apply different entries at one index.
    mutating func checkApplied(_ entry: Entry, node id: NodeID) throws(Violation) {
        let i = Int(entry.index)
        while appliedEntries.count <= i { appliedEntries.append(nil) }
        if let known = appliedEntries[i] {
            if known != entry {
                throw Violation(description: "State Machine Safety: node \(id) applied a different entry at \(entry.index) (term \(entry.term) vs \(known.term))")
            }
        } else {
            appliedEntries[i] = entry
        }
        if i < committedTerm.count, let term = committedTerm[i], term != entry.term {
            throw Violation(description: "node \(id) applied entry \(i) of term \(entry.term) but term \(term) was committed there")
        }
    }

    /// The log of one voter as seen by an election: its last entry and what it holds at an index.
    struct VoterLog {
        var id: NodeID
        var lastIndex: LogIndex
        var lastTerm: Term
        /// Term at the index being checked; nil if absent. Compacted counts as held.
        var termAtCheckedIndex: Term?
        var compactedPastCheckedIndex: Bool
    }

    /// Leader Completeness, looked ahead: when a leader commits index `index` (term `term`),
    /// no voter lacking that entry may be able to win an election, that is collect a
    /// majority of voters whose logs are no more up to date than its own (§5.4.3). This
    /// flags an unsafe commit (such as Figure 8's) when it happens, without waiting for
    /// the crashes that would later expose it.
    func checkCommitIsDurable(index: LogIndex, term: Term, leader: NodeID, voters: [VoterLog]) throws(Violation) {
        let quorum = voters.count / 2 + 1
        for c in voters where !c.compactedPastCheckedIndex && c.termAtCheckedIndex != term {
            let electors = voters.filter { v in
                c.lastTerm > v.lastTerm || (c.lastTerm == v.lastTerm && c.lastIndex >= v.lastIndex)
            }
            if electors.count >= quorum {
                throw Violation(description: "Leader Completeness: leader \(leader) committed \(index) (term \(term)) but node \(c.id), which lacks it (last \(c.lastIndex)/\(c.lastTerm)), could still be elected by \(electors.map(\.id))")
            }
        }
    }

    /// The votes that elected a leader are on the voters' disks: each voter's durable hard
    /// state names the leader in its term, or has moved past that term (it can no longer
    /// vote in it). A voter that answered before its vote was synced would, after a power
    /// cut, be free to vote again in the same term: a second leader.
    func checkVotesAreDurable(leader: NodeID, term: Term, voters: [(id: NodeID, durable: HardState)]) throws(Violation) {
        let backing = voters.filter { $0.durable.term > term || ($0.durable.term == term && $0.durable.vote == leader) }
        guard backing.count < voters.count / 2 + 1 else { return }
        throw Violation(description: "Election Safety: node \(leader) leads term \(term) but only \(backing.map(\.id)) of voters \(voters.map(\.id)) hold that vote on disk")
    }

    /// A ReadIndex answer covers every entry committed before the read began (anywhere in
    /// the cluster): a lower index serves a state older than a write already acknowledged.
    func checkReadIndex(_ index: LogIndex, committedBeforeRead floor: LogIndex, node id: NodeID) throws(Violation) {
        guard index < floor else { return }
        throw Violation(description: "ReadIndex: node \(id) confirmed a read at index \(index), but \(floor) was committed before the read began")
    }

    /// A snapshot must describe a committed prefix.
    func checkSnapshot(_ meta: SnapshotMetadata, node id: NodeID) throws(Violation) {
        let i = Int(meta.index)
        if i < appliedEntries.count, let known = appliedEntries[i], known.term != meta.term {
            throw Violation(description: "node \(id) installed a snapshot at \(i) term \(meta.term), but term \(known.term) was applied there")
        }
    }
}
