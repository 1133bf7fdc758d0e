/// One Raft node as a value: no I/O, no clock, no threads. Drive it with `tick()`,
/// `step(_:)` and the proposal methods; collect its output with `ready()` and
/// acknowledge it with `advance(_:)` after persisting.
public struct Raft {
    public let id: NodeID
    let config: RaftConfig
    var rng: any RandomNumberGenerator

    public internal(set) var term: Term = 0
    public internal(set) var vote: NodeID = noNode
    public internal(set) var leader: NodeID = noNode
    public internal(set) var role: RaftRole = .follower

    var log: RaftLog
    var tracker: ProgressTracker
    var readOnly = ReadOnly()
    /// ReadIndex requests that arrived before this leader committed an entry of its term.
    var pendingReads: [(context: [UInt8], from: NodeID)] = []

    /// Index of the latest membership change in the log; a new one may be proposed only
    /// once it is committed.
    var lastConfIndex: LogIndex = 0
    /// The node we are handing leadership to, if a transfer is under way.
    public internal(set) var leadTransferee: NodeID = noNode

    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0

    /// Snapshot chunks received so far from the leader.
    var incomingSnapshot: (metadata: SnapshotMetadata, data: [UInt8])?

    // Output not yet taken by `ready()`.
    var messages: [Message] = []
    var readStates: [ReadState] = []
    var previousHardState: HardState
    var previousSoftState: SoftState

    public init(config: RaftConfig, storage: any RaftStorage, rng: any RandomNumberGenerator) {
        precondition(config.id != noNode, "node id 0 is reserved")
        precondition(config.heartbeatTicks > 0 && config.electionTicks > config.heartbeatTicks)
        self.id = config.id
        self.config = config
        self.rng = rng
        self.log = RaftLog(storage: storage, applied: config.applied, maxBytes: config.maxMessageBytes)
        self.tracker = ProgressTracker(conf: ConfState(), maxInflight: config.maxInflightMessages)
        let hard = storage.hardState()
        self.previousHardState = hard
        self.previousSoftState = SoftState(leader: noNode, role: .follower)
        if !hard.isEmpty {
            term = hard.term
            vote = hard.vote
            log.commit(to: hard.commit)
        }
        refreshConfState()
        becomeFollower(term: term, leader: noNode)
    }

    // MARK: Observation

    public var hardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }
    public var softState: SoftState { SoftState(leader: leader, role: role) }
    public var confState: ConfState { tracker.conf }
    public var commitIndex: LogIndex { log.committed }
    public var appliedIndex: LogIndex { log.applied }
    public var firstIndex: LogIndex { log.firstIndex }
    public var lastIndex: LogIndex { log.lastIndex }
    public func term(at index: LogIndex) -> Term? { log.term(at: index) }
    public func entries(from low: LogIndex, to high: LogIndex) -> [Entry] {
        (try? log.slice(from: low, to: high, maxBytes: .max)) ?? []
    }
    /// Leader only: the highest index known replicated on `node`.
    public func matchIndex(of node: NodeID) -> LogIndex? { role == .leader ? tracker[node]?.match : nil }
    /// Leader only: what `node` last reported of its application, and when.
    public func activity(of node: NodeID) -> MemberActivity? {
        guard role == .leader, let pr = tracker[node] else { return nil }
        if node == id { return MemberActivity(applied: log.applied, ticksSinceHeard: 0) }
        return MemberActivity(applied: pr.applied, ticksSinceHeard: pr.ticksSinceHeard)
    }

    /// A node may campaign only as a voter of its current configuration.
    var isPromotable: Bool { tracker.conf.isVoter(id) }

    // MARK: Inputs

    public mutating func tick() {
        if role == .leader { tickLeader() } else { tickElection() }
    }

    /// Starts an election now (as if the election timeout had fired).
    public mutating func campaign() {
        step(Message(kind: .hup, from: id, to: id))
    }

    /// Handles a message from a peer (or a local one such as `.hup`).
    public mutating func step(_ m: Message) {
        if m.term == 0 || m.isLocal {
            // Local message: no term rules.
        } else if m.term > term {
            if m.kind == .vote || m.kind == .preVote {
                // A node that heard from a live leader within the minimum election timeout
                // ignores elections, so a partitioned node cannot depose a healthy leader
                // (thesis §4.2.3) — unless the leader itself asked for it (transfer).
                let inLease = config.checkQuorum && leader != noNode && electionElapsed < config.electionTicks
                if inLease && !m.forceVote { return }
            }
            switch m.kind {
            case .preVote:
                break // a pre-vote never changes our term
            case .preVoteResponse where !m.reject:
                break // we will raise our term when the real election starts
            case .append, .heartbeat, .snapshotChunk:
                becomeFollower(term: m.term, leader: m.from)
            default:
                becomeFollower(term: m.term, leader: noNode)
            }
        } else if m.term < term {
            if m.kind == .heartbeat || m.kind == .append || m.kind == .snapshotChunk {
                // Figure 2: reply false to a stale leader, with our term so it steps down
                // (with pre-vote and leases nothing else would ever reach it).
                var reply = Message(kind: .appendResponse, to: m.from)
                reply.reject = true
                reply.index = m.index
                send(reply)
            } else if m.kind == .preVote {
                var reply = Message(kind: .preVoteResponse, to: m.from, term: term)
                reply.reject = true
                send(reply)
            }
            return
        }

        switch m.kind {
        case .hup:
            hup()
        case .vote, .preVote:
            handleVoteRequest(m)
        default:
            switch role {
            case .leader: stepLeader(m)
            case .candidate, .preCandidate: stepCandidate(m)
            case .follower: stepFollower(m)
            }
        }
    }

    // MARK: Elections (shared by all roles)

    mutating func tickElection() {
        electionElapsed += 1
        if isPromotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            step(Message(kind: .hup, from: id, to: id))
        }
    }

    mutating func hup() {
        guard role != .leader, isPromotable else { return }
        campaign(config.preVote ? .preElection : .election)
    }

    enum CampaignKind { case preElection, election, transfer }

    mutating func campaign(_ kind: CampaignKind) {
        // The next term must exist; only a forged term could bring us this close to the end.
        guard term < Term.max - 1 else { return }
        let voteTerm: Term
        if kind == .preElection {
            becomePreCandidate()
            voteTerm = term + 1
        } else {
            becomeCandidate()
            voteTerm = term
        }
        tracker.votes[id] = true
        if tracker.voteResult() == .won {
            // Single-voter cluster.
            if kind == .preElection { campaign(.election) } else { becomeLeader() }
            return
        }
        for peer in tracker.voters where peer != id {
            var m = Message(kind: kind == .preElection ? .preVote : .vote, to: peer, term: voteTerm)
            m.index = log.lastIndex
            m.logTerm = log.lastTerm
            m.forceVote = kind == .transfer
            send(m)
        }
    }

    /// Figure 2, RequestVote receiver: grant if we have not voted for someone else in this
    /// term and the candidate's log is at least as up to date as ours (§5.4.1).
    mutating func handleVoteRequest(_ m: Message) {
        let canVote = vote == m.from
            || (vote == noNode && leader == noNode)
            || (m.kind == .preVote && m.term > term)
        let responseKind: MessageKind = m.kind == .vote ? .voteResponse : .preVoteResponse
        if canVote && log.isUpToDate(lastIndex: m.index, term: m.logTerm) {
            // Answer with the request's term so the candidate counts it (a pre-vote's term
            // is one we have not reached).
            var reply = Message(kind: responseKind, to: m.from, term: m.term)
            reply.reject = false
            send(reply)
            if m.kind == .vote {
                electionElapsed = 0
                vote = m.from
            }
        } else if term > 0 {
            // (A node that has seen no term yet has no term to refuse with; silence refuses too.)
            var reply = Message(kind: responseKind, to: m.from, term: term)
            reply.reject = true
            send(reply)
        }
    }

    // MARK: Role transitions

    mutating func reset(term newTerm: Term) {
        if term != newTerm {
            term = newTerm
            vote = noNode
        }
        leader = noNode
        electionElapsed = 0
        heartbeatElapsed = 0
        resetRandomizedElectionTimeout()
        leadTransferee = noNode
        tracker.votes = [:]
        tracker.resetProgress(nextIndex: log.lastIndex + 1)
        tracker[id]?.match = log.lastIndex
        readOnly.reset()
        pendingReads = []
    }

    mutating func resetRandomizedElectionTimeout() {
        let jitter = Int(rng.next() % UInt64(config.electionTicks))
        randomizedElectionTimeout = config.electionTicks + jitter
    }

    mutating func becomeFollower(term newTerm: Term, leader newLeader: NodeID) {
        reset(term: newTerm)
        role = .follower
        leader = newLeader
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "leader cannot become pre-candidate")
        // Neither term nor vote change: a pre-election disturbs nobody.
        tracker.votes = [:]
        role = .preCandidate
        leader = noNode
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "leader cannot become candidate")
        reset(term: term + 1)
        vote = id
        role = .candidate
    }

    mutating func becomeLeader() {
        precondition(role != .follower, "follower cannot become leader directly")
        reset(term: term)
        role = .leader
        leader = id
        tracker[id]?.becomeReplicate()
        let persisted = persistedIndex
        tracker[id]?.match = persisted
        // The no-op entry lets the new leader commit (and so learn the commit index of) its
        // predecessors' entries through the current-term rule (§5.4.2, §8).
        appendEntries([Entry(index: 0, term: 0)])
        broadcastAppend()
    }

    // MARK: Helpers

    /// The last index of this node's log that its own disk holds: everything before the
    /// first entry still waiting for the driver to persist it.
    var persistedIndex: LogIndex {
        log.unstable.entries.isEmpty ? log.lastIndex : log.unstable.offset - 1
    }

    /// Queues an outgoing message, stamping sender and (for non-vote messages) our term.
    mutating func send(_ message: Message) {
        var m = message
        m.from = id
        switch m.kind {
        case .vote, .preVote, .voteResponse, .preVoteResponse:
            precondition(m.term != 0, "vote messages carry an explicit term")
        default:
            m.term = term
        }
        if m.kind == .appendResponse || m.kind == .heartbeatResponse {
            // Only what `advance` acknowledged: the application has installed it.
            m.applied = log.applied
        }
        messages.append(m)
    }

    /// Recomputes membership from the latest snapshot plus every membership change after it
    /// in the log: with single-server changes a configuration takes effect as soon as it is
    /// in a server's log, committed or not (thesis §4.1).
    mutating func refreshConfState() {
        let snap = log.snapshot().metadata
        var conf = snap.confState
        var lastChange = snap.index
        if log.lastIndex > snap.index {
            for entry in entries(from: snap.index + 1, to: log.lastIndex + 1) where entry.kind == .confChange {
                conf = conf.applyingFromLog(entry)
                lastChange = entry.index
            }
        }
        lastConfIndex = lastChange
        installConf(conf)
    }

    mutating func installConf(_ conf: ConfState) {
        tracker.setConf(conf, nextIndex: log.lastIndex + 1)
        if role == .leader {
            let persisted = persistedIndex
            tracker[id]?.match = persisted
            if leadTransferee != noNode && !conf.isVoter(leadTransferee) { leadTransferee = noNode }
            // A smaller quorum may commit more, and may confirm pending reads.
            if maybeCommit() { broadcastAppend() }
        }
    }
}
