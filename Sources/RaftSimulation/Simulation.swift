import Raft
import Linearizability

public struct SimulationOptions: Sendable {
    public var seed: UInt64
    public var nodeCount: Int = 3
    /// Simulated milliseconds of faults before the cluster is healed.
    public var faultDuration: Int = 3_000
    /// After healing, the cluster must finish the workload and converge within this time.
    public var livenessTimeout: Int = 10_000
    public var clients: Int = 3
    public var keys: Int = 3

    public init(seed: UInt64, nodeCount: Int = 3) {
        self.seed = seed
        self.nodeCount = nodeCount
    }
}

public struct SimulationResult: Sendable {
    public var seed: UInt64
    public var nodeCount: Int
    public var failure: String?
    public var plan: FaultPlan
    public var events: Int
    public var operations: Int
    public var timedOut: Int
    public var committedIndex: LogIndex
    public var elapsedSimulatedMs: Int
    /// The linearizability search hit its budget: neither proven nor refuted.
    public var linearizabilityUndecided: Bool

    public var passed: Bool { failure == nil }
}

/// Runs real Raft cores against a simulated network, disk and clock, all decided by one
/// seed, checking safety after every step and linearizability at the end.
public final class Simulation {
    enum Event {
        case tick(NodeID, incarnation: Int)
        case deliver(Message)
        case persisted(NodeID, incarnation: Int)
        case request(client: Int, opID: Int, node: NodeID, input: KeyValueModel.Input)
        case response(client: Int, opID: Int, result: ClientResult)
        case clientTimeout(client: Int, opID: Int)
        case clientNext(client: Int)
        case fault
        case crash(NodeID, incarnation: Int)
        case restart(NodeID, incarnation: Int)
        case isolate(NodeID)
        case reconnect(NodeID)
    }

    enum Phase { case faults, liveness, draining }

    static let tickInterval = 10
    static let faultInterval = 50
    /// Five times the most any passing seed of 3 or 5 nodes took (about 20,000): a run past
    /// it is a storm of messages that would only end at the liveness deadline, slowly.
    static let eventLimit = 100_000

    let options: SimulationOptions
    let plan: FaultPlan
    var rng: SplitMix64
    var queue = EventQueue<Event>()
    var now = 0
    var phase = Phase.faults
    var nodes: [SimNode] = []
    var clients: [Client] = []
    var network = Network()
    var checker = SafetyChecker()
    /// Every operation a client saw end (answered or timed out), with who asked.
    var history: [(op: SimNode.ClientOp, operation: Operation<KeyValueModel.Input, KeyValueModel.Output>)] = []
    /// The highest commit index any node has reached: what a read that begins now must see.
    var highestCommit: LogIndex = 0
    /// For each read under way, `highestCommit` when it began.
    var readFloors: [SimNode.ClientOp: LogIndex] = [:]
    /// Client writes a node answered "dropped": none may ever be applied.
    var droppedWrites = Set<SimNode.ClientOp>()
    /// Client writes some node applied: what the log says took effect.
    var appliedWrites = Set<SimNode.ClientOp>()
    /// Appends and vote requests sent in each of the last 16 terms (up to 8 a term, a
    /// sample): what a network may deliver again late. Kept by term so that old terms stay
    /// in reach under load; a vote request of the current term reaching a voter that lost
    /// an unsynced vote asks it to vote twice.
    var pastAppends: [[Message]] = []
    var failure: String?
    var linearizabilityUndecided = false
    var events = 0
    var membershipAdds = 0
    var lastKnownConf: ConfState
    let trace: ((String) -> Void)?

    public init(options: SimulationOptions, trace: ((String) -> Void)? = nil) {
        self.options = options
        self.trace = trace
        var rng = SplitMix64(seed: options.seed)
        plan = FaultPlan.drawn(from: &rng)
        self.rng = rng
        let voters = (1...options.nodeCount).map { NodeID($0) }
        lastKnownConf = ConfState(voters: voters)
    }

    // MARK: Running

    public func run() -> SimulationResult {
        log("plan \(plan)")
        for _ in lastKnownConf.voters {
            let disk = MemoryStorage()
            try! disk.bootstrap(voters: lastKnownConf.voters)
            addNode(disk: disk)
        }
        for c in 0..<options.clients {
            clients.append(Client(id: c, leaderGuess: NodeID(1 + rng.below(options.nodeCount)), readsOnly: c == 0 && plan.readerClient))
            queue.push(.clientNext(client: c), at: rng.inRange(0...20))
        }
        queue.push(.fault, at: Self.faultInterval)
        let deadline = options.faultDuration + options.livenessTimeout
        while failure == nil, let (time, event) = queue.pop() {
            if time > deadline {
                failure = "liveness: not converged \(options.livenessTimeout)ms after healing (\(livenessStatus()))"
                break
            }
            now = time
            events += 1
            if events > Self.eventLimit {
                failure = "liveness: more than \(Self.eventLimit) events by \(now)ms, a message storm (\(livenessStatus()))"
                break
            }
            handle(event)
            if phase == .draining && isConverged() { break }
        }
        if failure == nil && phase != .draining && queue.isEmpty {
            failure = "simulation stalled"
        }
        if failure == nil {
            let checker = LinearizabilityChecker(model: KeyValueModel(), budget: 300_000)
            // A read that timed out changed nothing and may have returned anything: it
            // cannot constrain the order, and leaving it in only widens the search. A write
            // that timed out and is in no node's log did not happen (every member has
            // converged on one log by now); one that is there happened at some point after
            // its call. Only the client's view is checked; the log only rules out writes.
            let checked = history.filter { record in
                guard record.operation.timedOut else { return true }
                if case .get = record.operation.input { return false }
                return appliedWrites.contains(record.op)
            }.map(\.operation)
            switch checker.check(checked) {
            case .linearizable: break
            case .notLinearizable(let part):
                failure = "linearizability: history of key partition \(part) has no legal order"
            case .unknown:
                // Many maybe-happened writes can make the search explode; an undecided
                // history is reported, not failed (Porcupine does the same on timeout).
                linearizabilityUndecided = true
                log("linearizability: checker gave up (budget exceeded)")
            }
        }
        if let failure { log("FAILED: \(failure)") }
        return SimulationResult(
            seed: options.seed, nodeCount: options.nodeCount, failure: failure, plan: plan, events: events,
            operations: history.count, timedOut: history.filter(\.operation.timedOut).count,
            committedIndex: nodes.compactMap { $0.raft?.commitIndex }.max() ?? 0, elapsedSimulatedMs: now,
            linearizabilityUndecided: linearizabilityUndecided)
    }

    func log(_ message: @autoclosure () -> String) {
        guard let trace else { return }
        trace("\(now)ms \(message())")
    }

    func node(_ id: NodeID) -> SimNode? {
        guard id >= 1, Int(id) <= nodes.count else { return nil }
        return nodes[Int(id) - 1]
    }

    @discardableResult
    func addNode(disk: MemoryStorage) -> SimNode {
        let n = SimNode(id: NodeID(nodes.count + 1), disk: disk, createdAt: now)
        n.tickInterval = Self.tickInterval + rng.inRange(0...plan.clockSkew)
        nodes.append(n)
        n.boot(rng: rng.fork(), plan: plan)
        queue.push(.tick(n.id, incarnation: n.incarnation), at: now + 1 + rng.below(Self.tickInterval))
        return n
    }

    // MARK: Events

    func handle(_ event: Event) {
        switch event {
        case .tick(let id, let inc):
            guard let n = node(id), n.incarnation == inc, n.raft != nil else { return }
            n.raft!.tick()
            queue.push(.tick(id, incarnation: inc), at: now + n.tickInterval)
            afterStep(n)
        case .deliver(let m):
            guard let n = node(m.to), n.raft != nil else { return }
            if trace != nil { log("deliver \(describe(m))") }
            n.raft!.step(m)
            afterStep(n)
        case .persisted(let id, let inc):
            guard let n = node(id), n.incarnation == inc else { return }
            persist(n)
        case .request(let c, let opID, let id, let input):
            handleRequest(client: c, opID: opID, node: id, input: input)
        case .response(let c, let opID, let result):
            handleResponse(client: c, opID: opID, result: result)
        case .clientTimeout(let c, let opID):
            guard let pending = clients[c].pending, pending.opID == opID else { return }
            history.append((SimNode.ClientOp(client: c, opID: opID), Operation(client: c, input: pending.input, call: pending.call, output: nil, returned: nil)))
            log("client \(c) op \(opID) \(pending.input) timed out")
            clients[c].pending = nil
            if !clients[c].readsOnly { clients[c].leaderGuess = randomLiveNode() }
            queue.push(.clientNext(client: c), at: now + 1)
        case .clientNext(let c):
            startOperation(client: c)
        case .crash(let id, let inc):
            // Brief crashes of fresh leaders may exceed the minority budget: Raft's safety holds
            // under any number of crashes, and these restart within a few hundred ms.
            guard phase == .faults, let n = node(id), n.incarnation == inc, n.isUp, !n.retired else { return }
            crash(n)
            queue.push(.restart(id, incarnation: n.incarnation), at: now + rng.inRange(plan.churnDelay) + rng.inRange(10...150))
        case .isolate(let id):
            guard phase == .faults, let n = node(id), !n.retired else { return }
            network.isolate([id], from: nodes.filter { !$0.retired && $0.id != id }.map(\.id))
            log("partition: node \(id) isolated")
            if n.raft?.role == .leader && rng.chance(0.5) {
                // Cut off without knowing it, it still takes proposals: a tail only it holds.
                propose(fillers: rng.inRange(5...40), at: n)
            }
            queue.push(.reconnect(id), at: now + rng.inRange(plan.churnDelay) + rng.inRange(50...1_000))
        case .reconnect(let id):
            network.reconnect(id)
            log("partition: node \(id) reconnected")
        case .restart(let id, let inc):
            guard let n = node(id), n.incarnation == inc, !n.isUp, !n.retired else { return }
            restart(n)
        case .fault:
            if phase == .faults {
                injectFaults()
                if now + Self.faultInterval >= options.faultDuration {
                    queue.push(.fault, at: options.faultDuration)
                    phase = .liveness
                } else {
                    queue.push(.fault, at: now + Self.faultInterval)
                }
                if phase == .liveness { healEverything() }
            } else {
                retireRemovedNodes()
                if phase == .liveness && clients.allSatisfy({ $0.successesAfterHeal >= 2 }) {
                    log("liveness: every client completed operations after healing; draining")
                    phase = .draining
                }
                queue.push(.fault, at: now + Self.faultInterval)
            }
        }
    }

    /// After a node changed: check safety, then hand any output to the simulated disk.
    func afterStep(_ n: SimNode) {
        guard var raft = n.raft else { return }
        if n.pendingReady == nil && raft.hasReady {
            let ready = raft.ready()
            if let soft = ready.softState {
                log("node \(n.id) is \(soft.role) in term \(raft.term) (leader \(soft.leader))")
                if soft.role == .leader { checkVotesDurable(leader: n, raft: raft) }
                if soft.role == .leader && phase == .faults && rng.chance(plan.leaderChurn) {
                    // Depose the new leader soon: crash it, or cut it off so that what it
                    // appends stays on its own disk.
                    let when = now + rng.inRange(plan.churnDelay)
                    queue.push(rng.chance(0.5) ? .crash(n.id, incarnation: n.incarnation) : .isolate(n.id), at: when)
                }
            }
            if phase == .faults, ready.messages.contains(where: { $0.kind == .voteResponse && !$0.reject }),
               rng.chance(plan.voterCrashRate) {
                queue.push(.crash(n.id, incarnation: n.incarnation), at: now + rng.inRange(plan.diskLatency))
            }
            if let first = ready.entries.first, let ack = n.acknowledged, ack.term == raft.term, first.index <= ack.index {
                failure = "Log Matching: node \(n.id) rewrote its log from \(first.index) in term \(ack.term), where it had acknowledged up to \(ack.index)"
            }
            do {
                try checker.checkNewEntries(ready.entries, node: n.id, raft: raft)
            } catch {
                failure = error.description
            }
            n.raft = raft
            n.pendingReady = ready
            // The node's own driver core decides the order: a leader's appends may leave
            // before its write is synced.
            perform(n.core.plan(ready, role: raft.role), at: n)
            return
        }
        do {
            let before = n.lastObservedCommit
            try checker.observe(n.id, n.raft!)
            n.lastObservedCommit = n.raft!.commitIndex
            highestCommit = max(highestCommit, n.raft!.commitIndex)
            if n.raft!.role == .leader && n.raft!.commitIndex > before { try checkCommitDurable(leader: n) }
        } catch {
            failure = error.description
        }
    }

    func checkVotesDurable(leader n: SimNode, raft: Raft) {
        let voters = raft.confState.voters.compactMap { id in node(id).map { (id: id, durable: $0.disk.hardState()) } }
        do {
            try checker.checkVotesAreDurable(leader: n.id, term: raft.term, voters: voters)
        } catch {
            failure = error.description
        }
    }

    /// Each voter's log as it would be after a power cut: what its disk holds (synced), up or
    /// down. A committed entry must be there on a majority: a leader that counted its own
    /// unsynced write, or a follower that acknowledged before its sync, fails here.
    func checkCommitDurable(leader: SimNode) throws(SafetyChecker.Violation) {
        let lr = leader.raft!
        let index = lr.commitIndex
        guard let term = lr.term(at: index) else { return }
        var voters: [SafetyChecker.VoterLog] = []
        for id in lr.confState.voters {
            guard let n = node(id), !n.retired else { continue }
            let last = n.disk.lastIndex()
            voters.append(.init(id: id, lastIndex: last, lastTerm: (try? n.disk.term(at: last)) ?? 0,
                                termAtCheckedIndex: try? n.disk.term(at: index), compactedPastCheckedIndex: index < n.disk.firstIndex() - 1))
        }
        try checker.checkCommitIsDurable(index: index, term: term, leader: leader.id, voters: voters)
    }
}

/// A run of seeds fails when more than 1 in 1,000 of its linearizability searches were
/// undecided: a checker that gives up often proves nothing.
public enum UndecidedBudget {
    public static func isExceeded(undecided: Int, seeds: Int) -> Bool { undecided * 1_000 > seeds }
}
