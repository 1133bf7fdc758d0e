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

    let options: SimulationOptions
    let plan: FaultPlan
    private var rng: SplitMix64
    private var queue = EventQueue<Event>()
    private var now = 0
    private var phase = Phase.faults
    private var nodes: [SimNode] = []
    private var clients: [Client] = []
    private var network = Network()
    private var checker = SafetyChecker()
    private var history: [Operation<KeyValueModel.Input, KeyValueModel.Output>] = []
    private var failure: String?
    private var linearizabilityUndecided = false
    private var events = 0
    private var membershipAdds = 0
    private var lastKnownConf: ConfState
    private let trace: ((String) -> Void)?

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
            clients.append(Client(id: c, leaderGuess: NodeID(1 + rng.below(options.nodeCount))))
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
            handle(event)
            if phase == .draining && isConverged() { break }
        }
        if failure == nil && phase != .draining && queue.isEmpty {
            failure = "simulation stalled"
        }
        if failure == nil {
            let checker = LinearizabilityChecker(model: KeyValueModel(), budget: 300_000)
            // A read that timed out changed nothing and may have returned anything: it
            // cannot constrain the order, and leaving it in only widens the search.
            let checked = history.filter { op in
                if case .get = op.input, op.timedOut { return false }
                return true
            }
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
            operations: history.count, timedOut: history.filter(\.timedOut).count,
            committedIndex: nodes.compactMap { $0.raft?.commitIndex }.max() ?? 0, elapsedSimulatedMs: now,
            linearizabilityUndecided: linearizabilityUndecided)
    }

    private func log(_ message: @autoclosure () -> String) {
        guard let trace else { return }
        trace("\(now)ms \(message())")
    }

    private func node(_ id: NodeID) -> SimNode? {
        guard id >= 1, Int(id) <= nodes.count else { return nil }
        return nodes[Int(id) - 1]
    }

    @discardableResult
    private func addNode(disk: MemoryStorage) -> SimNode {
        let n = SimNode(id: NodeID(nodes.count + 1), disk: disk, createdAt: now)
        n.tickInterval = Self.tickInterval + rng.inRange(0...plan.clockSkew)
        nodes.append(n)
        n.boot(rng: rng.fork(), plan: plan)
        queue.push(.tick(n.id, incarnation: n.incarnation), at: now + 1 + rng.below(Self.tickInterval))
        return n
    }

    // MARK: Events

    private func handle(_ event: Event) {
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
            history.append(Operation(client: c, input: pending.input, call: pending.call, output: nil, returned: nil))
            log("client \(c) op \(opID) \(pending.input) timed out")
            clients[c].pending = nil
            clients[c].leaderGuess = randomLiveNode()
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
            queue.push(.reconnect(id), at: now + rng.inRange(plan.churnDelay) + rng.inRange(50...400))
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
    private func afterStep(_ n: SimNode) {
        guard var raft = n.raft else { return }
        if n.pendingReady == nil && raft.hasReady {
            let ready = raft.ready()
            if let soft = ready.softState {
                log("node \(n.id) is \(soft.role) in term \(raft.term) (leader \(soft.leader))")
                if soft.role == .leader && phase == .faults && rng.chance(plan.leaderChurn) {
                    // Depose the new leader soon: crash it, or cut it off so that what it
                    // appends stays on its own disk.
                    let when = now + rng.inRange(plan.churnDelay)
                    queue.push(rng.chance(0.5) ? .crash(n.id, incarnation: n.incarnation) : .isolate(n.id), at: when)
                }
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
            if n.raft!.role == .leader && n.raft!.commitIndex > before { try checkCommitDurable(leader: n) }
        } catch {
            failure = error.description
        }
    }

    /// Each voter's log as it would be after a power cut: what its disk holds (synced), up or
    /// down. A committed entry must be there on a majority: a leader that counted its own
    /// unsynced write, or a follower that acknowledged before its sync, fails here.
    private func checkCommitDurable(leader: SimNode) throws(SafetyChecker.Violation) {
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

    /// Performs a Ready's steps in order until a sync, which the simulated disk completes
    /// later (`persisted`); after the last step the Ready is done.
    private func perform(_ steps: [DriverCore.Step], at n: SimNode) {
        for (position, step) in steps.enumerated() {
            switch step {
            case .send(let messages):
                for m in messages { send(m) }
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
                    log("node \(n.id) installed snapshot at \(snap.metadata.index)")
                }
                for entry in entries { apply(entry, at: n) }
            case .confirmReads(let states):
                for read in states {
                    guard let cmd = Command(decoding: read.context), case .get(let key) = cmd.input else { continue }
                    n.waitingReads.append((read.index, SimNode.ClientOp(client: cmd.client, opID: cmd.opID), key))
                }
            }
        }
        guard writeUnsynced(n), let ready = n.pendingReady else { return }
        n.pendingReady = nil
        n.pendingSteps = []
        n.raft!.advance(ready)
        serveReads(n)
        maybeSnapshot(n)
        afterStep(n)
    }

    /// Moves what the node wrote to its disk; false (and a failure recorded) if that broke a rule.
    private func writeUnsynced(_ n: SimNode) -> Bool {
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
    private func persist(_ n: SimNode) {
        guard n.pendingReady != nil, n.raft != nil else { return }
        guard writeUnsynced(n) else { return }
        perform(n.pendingSteps, at: n)
    }

    private func apply(_ entry: Entry, at n: SimNode) {
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
            if n.pendingWrites.remove(op) != nil {
                respond(client: cmd.client, opID: cmd.opID, result: .done(output))
            }
        }
    }

    private func serveReads(_ n: SimNode) {
        let ready = n.waitingReads.filter { $0.index <= n.applied }
        n.waitingReads.removeAll { $0.index <= n.applied }
        for read in ready {
            respond(client: read.op.client, opID: read.op.opID, result: .done(.value(n.store.read(read.key))))
        }
    }

    /// Compacts the log behind a fresh snapshot now and then, so lagging and new nodes
    /// need InstallSnapshot.
    private func maybeSnapshot(_ n: SimNode) {
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

    // MARK: Network

    private func send(_ m: Message) {
        guard let target = node(m.to), !target.retired else { return }
        guard network.allows(from: m.from, to: m.to) else { return }
        let faulty = phase == .faults
        if faulty && rng.chance(plan.dropRate) { return }
        queue.push(.deliver(m), at: now + delay(faulty))
        if faulty && rng.chance(plan.duplicateRate) {
            queue.push(.deliver(m), at: now + delay(faulty))
        }
    }

    private func delay(_ faulty: Bool) -> Int {
        faulty && rng.chance(plan.slowRate) ? rng.inRange(plan.slowDelay) : rng.inRange(plan.delay)
    }

    // MARK: Clients

    private func startOperation(client c: Int) {
        guard phase != .draining, clients[c].pending == nil else { return }
        let input = clients[c].makeInput(keys: options.keys, rng: &rng)
        let opID = clients[c].nextOpID
        clients[c].nextOpID += 1
        let target = rng.chance(0.15) ? randomLiveNode() : clients[c].leaderGuess
        clients[c].pending = Client.Pending(opID: opID, input: input, call: now, node: target)
        queue.push(.request(client: c, opID: opID, node: target, input: input), at: now + rng.inRange(1...3))
        queue.push(.clientTimeout(client: c, opID: opID), at: now + plan.clientTimeout)
    }

    private func handleRequest(client c: Int, opID: Int, node id: NodeID, input: KeyValueModel.Input) {
        guard let n = node(id), var raft = n.raft else { return }
        let cmd = Command(client: c, opID: opID, input: input)
        do {
            if case .get = input {
                try raft.readIndex(context: cmd.encoded())
            } else {
                try raft.propose(cmd.encoded())
                n.pendingWrites.insert(SimNode.ClientOp(client: c, opID: opID))
            }
        } catch {
            respond(client: c, opID: opID, result: .notLeader(hint: raft.leader))
        }
        n.raft = raft
        afterStep(n)
    }

    private func respond(client c: Int, opID: Int, result: ClientResult) {
        queue.push(.response(client: c, opID: opID, result: result), at: now + rng.inRange(1...3))
    }

    private func handleResponse(client c: Int, opID: Int, result: ClientResult) {
        guard let pending = clients[c].pending, pending.opID == opID else { return }
        clients[c].pending = nil
        switch result {
        case .notLeader(let hint):
            // Refused without effect: it is not part of the history.
            clients[c].leaderGuess = hint != noNode ? hint : randomLiveNode()
            queue.push(.clientNext(client: c), at: now + rng.inRange(1...10))
        case .done(let output):
            history.append(Operation(client: c, input: pending.input, call: pending.call, output: output, returned: now))
            log("client \(c) op \(opID) \(pending.input) -> \(output) via node \(pending.node)")
            switch (pending.input, output) {
            case (.get(let key), .value(let v?)): clients[c].lastSeen[key] = v
            case (.put(let key, let v), _): clients[c].lastSeen[key] = v
            case (.compareAndSet(let key, _, let v), .swapped(true)): clients[c].lastSeen[key] = v
            default: break
            }
            if phase != .faults && pending.call >= options.faultDuration { clients[c].successesAfterHeal += 1 }
            queue.push(.clientNext(client: c), at: now + rng.inRange(0...5))
        }
    }

    private func randomLiveNode() -> NodeID {
        let live = nodes.filter { !$0.retired }
        return live[rng.below(live.count)].id
    }

    // MARK: Faults

    private func currentLeader() -> SimNode? {
        var best: SimNode?
        for n in nodes where !n.retired {
            guard let raft = n.raft, raft.role == .leader else { continue }
            if best == nil || raft.term > best!.raft!.term { best = n }
        }
        return best
    }

    private func currentConf() -> ConfState {
        if let leader = currentLeader() { lastKnownConf = leader.raft!.confState }
        return lastKnownConf
    }

    /// Faults never take out more than a minority of the current voters, counting crashed
    /// and partitioned ones together, so the cluster can keep making progress.
    private func injectFaults() {
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

    /// Crashing `n` keeps crashed plus partitioned voters within a minority.
    private func canCrash(_ n: SimNode) -> Bool {
        let conf = currentConf()
        guard conf.isVoter(n.id) else { return true }
        let cut = Set(network.impairedNodes)
        let impaired = conf.voters.filter { id in node(id).map { !$0.isUp || cut.contains(id) } ?? true }.count
        return impaired < (conf.voters.count - 1) / 2
    }

    /// A process crash keeps what the node wrote (the OS has it); a power cut loses what was
    /// not synced, or tears it: a prefix of the entries survives, and the hard state only
    /// with all of them. Safe because nothing sent before the sync promised either.
    private func crash(_ n: SimNode) {
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

    private func restart(_ n: SimNode) {
        n.boot(rng: rng.fork(), plan: plan)
        checker.forgetCommit(of: n.id)
        log("restart node \(n.id) from disk (term \(n.raft!.term), last index \(n.raft!.lastIndex))")
        queue.push(.tick(n.id, incarnation: n.incarnation), at: now + 1 + rng.below(Self.tickInterval))
        afterStep(n)
    }

    /// One single-server change per call: add a learner, promote it, or remove a voter
    /// (never the leader), keeping the voter count within one of the initial size.
    private func changeMembership() {
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
    private func retireRemovedNodes() {
        guard let leader = currentLeader(), !leader.raft!.hasPendingConfChange else { return }
        let live = nodes.filter { !$0.retired }
        guard live.allSatisfy(\.isUp) else { return }
        let members = Set(live.flatMap { $0.raft!.confState.members })
        for n in live where now - n.createdAt > 1_000 && !members.contains(n.id) {
            retire(n)
        }
    }

    private func retire(_ n: SimNode) {
        log("retire node \(n.id)")
        n.crash()
        n.retired = true
    }

    private func healEverything() {
        log("heal: restart every node, repair the network, stop injecting faults")
        network.heal()
        for n in nodes where !n.retired && !n.isUp { restart(n) }
    }

    private func describe(_ m: Message) -> String {
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

    // MARK: Liveness

    private func isConverged() -> Bool {
        guard clients.allSatisfy({ $0.pending == nil }), let leader = currentLeader(), let lr = leader.raft else { return false }
        guard !lr.hasPendingConfChange, lr.commitIndex == lr.lastIndex else { return false }
        for id in lr.confState.members {
            guard let n = node(id), let raft = n.raft, n.pendingReady == nil else { return false }
            if raft.commitIndex != lr.commitIndex || n.applied != lr.commitIndex || n.store != leader.store { return false }
        }
        log("converged at index \(lr.commitIndex) with \(lr.confState)")
        return true
    }

    private func livenessStatus() -> String {
        var parts: [String] = []
        for n in nodes where !n.retired {
            if let r = n.raft {
                parts.append("\(n.id):\(r.role) t\(r.term) c\(r.commitIndex) a\(n.applied) l\(r.lastIndex)")
            } else {
                parts.append("\(n.id):down")
            }
        }
        let waiting = clients.filter { $0.successesAfterHeal < 2 }.map(\.id)
        let busy = clients.filter { $0.pending != nil }.map(\.id)
        var status = parts.joined(separator: ", ") + "; clients without progress: \(waiting), clients waiting: \(busy)"
        if let leader = currentLeader() {
            let differing = nodes.filter { !$0.retired && $0.isUp && $0.store != leader.store }.map(\.id)
            status += ", pending membership change: \(leader.raft!.hasPendingConfChange), state differs on: \(differing)"
        }
        return status
    }
}
