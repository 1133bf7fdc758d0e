import CofferStore
import Foundation
import Logging
import Raft
import Synchronization

/// Drives the pure Raft core with a real clock and real storage on one dedicated thread:
/// it ticks, steps messages from peers, takes proposals, and for every Ready persists the
/// log, hard state and any snapshot and applies committed entries to the keyspace in one
/// LMDB write transaction, then sends the Ready's messages.
public final class RaftDriver: @unchecked Sendable {
    public struct Settings: Sendable {
        /// Heartbeats every tick; elections after 10-20 ticks (250-500 ms) without one, so a
        /// dead leader is replaced in about half a second. The driver ticks at most once per
        /// loop, so a stall of its own thread never fires an election by itself.
        public var tick: Duration = .milliseconds(25)
        public var electionTicks = 10
        public var heartbeatTicks = 1
        /// Take a snapshot after this many applied entries, keeping this many behind it: etcd
        /// 3.4's defaults (`--snapshot-count`, and the entries it keeps for slow followers). An
        /// image is the whole keyspace (6.6 MB for 5,000 secrets and their history), and taking
        /// one every 10,000 entries cost a 3-node cluster 12-20 % of its writes under load.
        public var snapshotEvery: UInt64 = 100_000
        public var entriesKeptAfterSnapshot: UInt64 = 5_000
        public var requestTimeout: Duration = .seconds(5)

        public init() {}
    }

    public let id: NodeID
    private let settings: Settings
    private let keyspace: Keyspace
    private let storage: LMDBRaftStorage
    private let send: @Sendable (NodeID, [UInt8]) -> Void
    private let onApplied: @Sendable ([AppliedCommand], Bool) -> Void
    /// The command a new leader proposes first in its term (its audit line).
    private let termEntry: (@Sendable (UInt64) -> Command)?
    /// The last term this node proposed `termEntry` for.
    private var announcedTerm: UInt64 = 0
    private let logger: Logger

    // Everything below is touched only on the driver thread, except `inbox`, `stopping` and the
    // queued-message counts (under `condition`) and `published`.
    private var raft: Raft
    private let condition = NSCondition()
    private var inbox: [Input] = []
    /// Peer messages waiting in `inbox`, and their bytes. The transport hands them over on its
    /// event loops without waiting, so these bound what peers can pile up while the driver is
    /// busy. Raft resends dropped appends and heartbeats; a dropped ReadIndex round times out.
    private var queuedMessages = 0
    private var queuedMessageBytes = 0
    private var droppedMessages = 0
    private static let queuedMessageLimit = 4096
    private static let queuedMessageByteLimit = 128 * 1024 * 1024
    private var stopping = false
    private var thread: Thread?
    /// Writes, reads and waits for an index: when each is answered is the driver core's call.
    private var waiters: Waiters<Waiter, ProposalID>
    /// Callers waiting for another member to apply an index: see `waitForAnotherMember`.
    private var memberWatchers: [(index: UInt64, applied: Set<NodeID>, pending: Pending<Void>)] = []
    // Random start: the leader keeps one pending ReadIndex per context, whichever member sent
    // it, so members counting from the same start dropped each other's reads (a render then
    // waited out its timeout).
    private var nextReadContext = UInt64.random(in: 1 ... .max / 2)
    private var lastSnapshotIndex: UInt64
    /// A snapshot image is being read on `snapshotQueue`; no second one starts meanwhile.
    private var snapshotInFlight = false
    private let snapshotQueue = DispatchQueue(label: "coffer-snapshot", qos: .utility)
    /// Decides the order of each Ready's steps (the same core the simulator runs).
    private var core: DriverCore
    private let published: Mutex<DriverStatus>

    /// A caller waiting on the log: a write for its result, a read or a wait for an index.
    private enum Waiter {
        case write(Pending<AppliedCommand>)
        case index(Pending<UInt64>)
    }

    /// A keyspace image and the applied index it is at.
    private typealias SnapshotImage = (appliedIndex: UInt64, data: [UInt8])

    private enum Input {
        case message(Message)
        case propose(ProposalID, [UInt8], Pending<AppliedCommand>)
        case readIndex(Pending<UInt64>)
        case waitApplied(UInt64, Pending<UInt64>)
        case confChange(ConfChange, Pending<UInt64>)
        case transfer(NodeID)
        case watchMembers(UInt64, Set<NodeID>, Pending<Void>)
        /// An image read on the snapshot queue, to be stored on the driver thread.
        case snapshotRead(Result<SnapshotImage, any Error>, ConfState, started: ContinuousClock.Instant)
    }

    public init(
        id: NodeID, keyspace: Keyspace, storage: LMDBRaftStorage, settings: Settings, seed: UInt64,
        send: @escaping @Sendable (NodeID, [UInt8]) -> Void,
        onApplied: @escaping @Sendable ([AppliedCommand], Bool) -> Void,
        termEntry: (@Sendable (_ term: UInt64) -> Command)? = nil, logger: Logger
    ) throws {
        self.termEntry = termEntry
        self.id = id
        self.settings = settings
        self.keyspace = keyspace
        self.storage = storage
        self.send = send
        self.onApplied = onApplied
        self.logger = logger
        var config = RaftConfig(id: id)
        config.electionTicks = settings.electionTicks
        config.heartbeatTicks = settings.heartbeatTicks
        config.maxMessageBytes = 1024 * 1024
        config.maxInflightMessages = 64
        config.snapshotChunkBytes = 256 * 1024
        config.applied = try keyspace.appliedIndex
        raft = Raft(config: config, storage: storage, rng: SplitMix64(seed: seed))
        lastSnapshotIndex = storage.snapshot().metadata.index
        core = DriverCore(durable: storage.hardState())
        let tickNanoseconds = max(1, settings.tick.components.attoseconds / 1_000_000_000 + settings.tick.components.seconds * 1_000_000_000)
        let timeoutNanoseconds = settings.requestTimeout.components.attoseconds / 1_000_000_000 + settings.requestTimeout.components.seconds * 1_000_000_000
        waiters = Waiters(timeoutTicks: Int(max(1, timeoutNanoseconds / tickNanoseconds)))
        published = Mutex(DriverStatus(id: id))
        publishStatus()
    }

    public func start() {
        let thread = Thread { [self] in run() }
        self.thread = thread
        thread.start()
    }

    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    public var status: DriverStatus { published.withLock { $0 } }

    // MARK: Requests (any thread)

    /// A message from a peer, whose identity the transport authenticated.
    public func receive(_ bytes: [UInt8], from peer: NodeID) {
        guard let message = try? RaftWire.decode(bytes), message.from == peer, message.to == id else {
            logger.warning("dropped a malformed raft message", metadata: ["peer": "\(peer)"])
            return
        }
        condition.lock()
        defer { condition.unlock() }
        guard queuedMessages < Self.queuedMessageLimit, queuedMessageBytes + bytes.count <= Self.queuedMessageByteLimit else {
            droppedMessages += 1
            return
        }
        queuedMessages += 1
        queuedMessageBytes += bytes.count
        inbox.append(.message(message))
        condition.signal()
    }

    /// Proposes a command (on the leader) and returns once it is committed and applied here.
    public func submit(_ command: Command) async throws -> AppliedCommand {
        let proposalID = ProposalID.make()
        let data = CommandEntry.encode(command, id: proposalID.bytes)
        return try await withCheckedThrowingContinuation { continuation in
            enqueue(.propose(proposalID, data, Pending(continuation, deadline: deadline())))
        }
    }

    /// The index a linearizable read must wait for; returns once this node has applied it.
    public func readIndex() async throws -> UInt64 {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.readIndex(Pending(continuation, deadline: deadline())))
        }
    }

    /// Returns once this node has applied `index` (or the timeout passes).
    public func waitApplied(_ index: UInt64) async throws -> UInt64 {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.waitApplied(index, Pending(continuation, deadline: deadline())))
        }
    }

    /// Proposes a membership change; returns its log index once applied here.
    public func changeMembership(_ change: ConfChange) async throws -> UInt64 {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.confChange(change, Pending(continuation, deadline: deadline())))
        }
    }

    /// On the leader: returns once a member not in `applied` reports having applied `index`,
    /// when this node stops leading, or at `deadline`, so that a caller waiting for every
    /// member to apply need not poll. Throws once the driver has stopped.
    public func waitForAnotherMember(toApply index: UInt64, beyond applied: Set<NodeID>,
                                     until deadline: ContinuousClock.Instant) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue(.watchMembers(index, applied, Pending(continuation, deadline: deadline)))
        }
    }

    public func transferLeadership(to target: NodeID) {
        enqueue(.transfer(target))
    }

    private func enqueue(_ input: Input) {
        condition.lock()
        guard !stopping else {
            condition.unlock()
            fail(input, CommandLogError.stopped)
            return
        }
        inbox.append(input)
        condition.signal()
        condition.unlock()
    }

    /// Answers the caller waiting on `input`, if any, with `error`.
    private func fail(_ input: Input, _ error: any Error) {
        switch input {
        case .propose(_, _, let pending): pending.fail(error)
        case .readIndex(let pending), .waitApplied(_, let pending), .confChange(_, let pending): pending.fail(error)
        case .watchMembers(_, _, let pending): pending.fail(error)
        case .message, .transfer, .snapshotRead: break
        }
    }

    private func deadline() -> ContinuousClock.Instant { .now + settings.requestTimeout }

    // MARK: The loop (driver thread)

    private func run() {
        Thread.current.name = "coffer-raft"  // named from inside: set from outside, Linux kept the spawner's name
        let clock = ContinuousClock()
        var nextTick = clock.now + settings.tick
        while true {
            condition.lock()
            while inbox.isEmpty && !stopping && clock.now < nextTick {
                let wait = (nextTick - clock.now).components
                condition.wait(until: Date(timeIntervalSinceNow: Double(wait.seconds) + Double(wait.attoseconds) / 1e18))
            }
            let inputs = inbox
            inbox.removeAll()
            let dropped = droppedMessages
            (queuedMessages, queuedMessageBytes, droppedMessages) = (0, 0, 0)
            let stop = stopping
            condition.unlock()
            if stop {
                for input in inputs { fail(input, CommandLogError.stopped) }
                failAll(CommandLogError.stopped)
                return
            }
            if dropped > 0 {
                logger.warning("dropped peer messages: the raft thread fell behind", metadata: ["count": "\(dropped)"])
            }
            var batch: [(ProposalID, [UInt8], Pending<AppliedCommand>)] = []
            var waitingReads: [Pending<UInt64>] = []
            for input in inputs {
                switch input {
                case .propose(let proposalID, let data, let pending):
                    batch.append((proposalID, data, pending))
                case .readIndex(let pending):
                    waitingReads.append(pending)
                default:
                    propose(&batch)
                    handle(input)
                }
            }
            propose(&batch)
            requestReadIndex(for: waitingReads)
            if clock.now >= nextTick {
                raft.tick()
                nextTick = clock.now + settings.tick
                expire(now: clock.now)
            }
            announceTerm()
            while raft.hasReady {
                let ready = raft.ready()
                process(ready)
                raft.advance(ready)
            }
            publishStatus()
        }
    }

    /// Proposes the writes that arrived together as one append (group commit): they share one
    /// Ready, so one disk commit and one message per follower.
    private func propose(_ batch: inout [(ProposalID, [UInt8], Pending<AppliedCommand>)]) {
        announceTerm()
        guard !batch.isEmpty else { return }
        defer { batch.removeAll(keepingCapacity: true) }
        do {
            var index = try raft.propose(batch: batch.map(\.1))
            for (proposalID, _, pending) in batch {
                waiters.proposed(.write(pending), key: proposalID, at: index)
                index += 1
            }
        } catch {
            for (_, _, pending) in batch { pending.fail(CommandLogError.dropped) }
        }
    }

    /// A leader new to its term proposes the term's entry before any other: so the trail of
    /// every member names each leader, in the log's order. A proposal lost to a leader change
    /// leaves that term without a line; the next leader writes its own.
    private func announceTerm() {
        guard raft.role == .leader, raft.term > announcedTerm, let termEntry else { return }
        announcedTerm = raft.term
        try? raft.propose(CommandEntry.encode(termEntry(raft.term), id: ProposalID.make().bytes))
    }

    /// One ReadIndex for every read that arrived in this loop: they all started before it, so
    /// the index it confirms serves each of them, and one heartbeat round confirms it, where a
    /// round per read sent each follower a heartbeat per read.
    private func requestReadIndex(for pendings: [Pending<UInt64>]) {
        guard !pendings.isEmpty else { return }
        let context = nextReadContext
        nextReadContext += 1
        do {
            try raft.readIndex(context: context.bigEndianBytes)
            waiters.readRequested(pendings.map(Waiter.index), context: context.bigEndianBytes)
        } catch {
            for pending in pendings { pending.fail(CommandLogError.dropped) }
        }
    }

    private func handle(_ input: Input) {
        switch input {
        case .message(let message):
            raft.step(message)
        case .propose(let proposalID, let data, let pending):
            do {
                try raft.propose(data)
                waiters.proposed(.write(pending), key: proposalID, at: raft.lastIndex)
            } catch {
                pending.fail(CommandLogError.dropped)
            }
        case .readIndex(let pending):
            requestReadIndex(for: [pending])
        case .waitApplied(let index, let pending):
            if let answer = waiters.awaitApplied(.index(pending), index: index, applied: raft.appliedIndex) { resume(answer) }
        case .confChange(let change, let pending):
            do {
                try raft.proposeConfChange(change)
                _ = waiters.awaitApplied(.index(pending), index: raft.lastIndex, applied: raft.appliedIndex)
            } catch {
                pending.fail(MembershipError.refused("\(error)"))
            }
        case .transfer(let target):
            try? raft.transferLeadership(to: target)
        case .watchMembers(let index, let applied, let pending):
            memberWatchers.append((index, applied, pending))
        case .snapshotRead(let image, let confState, let started):
            storeSnapshot(image, confState: confState, started: started)
        }
    }

    private func process(_ ready: Ready) {
        var commands: [(index: UInt64, command: Command)] = []
        var proposalAt: [(index: UInt64, key: ProposalID)] = []
        for entry in ready.committedEntries where entry.kind == .normal && !entry.data.isEmpty {
            // A committed entry this node cannot read stops it: skipping it would leave its
            // keyspace apart from every other member's (a missed rotation still serving the old
            // value). Such an entry comes from a newer version: members are upgraded together.
            let (proposalID, command) = fatalOnFailure("read committed log entry \(entry.index) (written by a newer version?)") {
                guard let id = CommandEntry.id(of: entry.data) else { throw DecodingFailure.invalid("entry marker") }
                return (ProposalID(bytes: id), try CommandEntry.command(in: entry.data))
            }
            commands.append((entry.index, command))
            proposalAt.append((entry.index, proposalID))
        }
        let lastCommitted = ready.committedEntries.last?.index ?? 0
        // The steps come from the driver core; this shell only performs them. What it writes
        // (persist, sync, apply) goes into one LMDB transaction, synced when the plan syncs:
        // applying entries already durable in the log can be redone after a power loss.
        var results: [AppliedCommand] = []
        var snapshotInstalled = false
        var write: (persist: (snapshot: Snapshot?, entries: [Entry], hardState: HardState?)?, sync: Bool, applies: Bool)?
        func performWrite() {
            guard let pending = write else { return }
            write = nil
            results = fatalOnFailure("persist a Ready and apply committed entries") {
                try keyspace.environment.write(deferringMetaSync: !pending.sync) { txn in
                    if let persist = pending.persist {
                        if let snapshot = persist.snapshot {
                            try storage.install(snapshot, in: txn)
                            try keyspace.restore(snapshot: snapshot.data, appliedIndex: snapshot.metadata.index, in: txn)
                        }
                        try storage.append(persist.entries, in: txn)
                        if let hard = persist.hardState { try storage.persist(hard, in: txn) }
                    }
                    guard pending.applies, lastCommitted > 0 else { return [] }
                    return try keyspace.apply(commands, upTo: lastCommitted, in: txn)
                }
            }
            if let snapshot = pending.persist?.snapshot {
                snapshotInstalled = true
                lastSnapshotIndex = max(lastSnapshotIndex, snapshot.metadata.index)
                logger.info("installed a snapshot from the leader", metadata: ["index": "\(snapshot.metadata.index)"])
            }
            // Persisted, applied and installed: now the messages may promise it.
            if !results.isEmpty || snapshotInstalled { onApplied(results, snapshotInstalled) }
        }
        for step in core.plan(ready, role: raft.role) {
            switch step {
            case .send(let messages):
                performWrite()
                for message in messages { send(message.to, RaftWire.encode(message)) }
            case .persist(let snapshot, let entries, let hardState):
                write = ((snapshot, entries, hardState), false, false)
            case .sync:
                write?.sync = true
            case .apply:
                if write == nil { write = (nil, false, true) } else { write?.applies = true }
            case .confirmReads(let states):
                performWrite()
                waiters.readsConfirmed(states)
            }
        }
        performWrite()
        let snapshotIndex = snapshotInstalled ? ready.snapshot?.metadata.index : nil
        let applied = max(lastCommitted, snapshotIndex ?? 0, raft.appliedIndex)
        var resultAt: [UInt64: AppliedCommand] = [:]
        for result in results { resultAt[result.index] = result }
        for answer in waiters.applied(through: applied, entries: proposalAt, snapshot: snapshotIndex) {
            resume(answer, results: resultAt)
        }
        if lastCommitted > 0 { maybeSnapshot(applied: lastCommitted) }
    }

    /// Resumes the caller an answer of the driver core names.
    private func resume(_ answer: Waiters<Waiter, ProposalID>.Answer, results: [UInt64: AppliedCommand] = [:]) {
        switch answer {
        case .applied(.write(let pending), let index):
            // Applied without a result of its own cannot happen; if it did, the caller must
            // not take it as refused.
            if let result = results[index] { pending.succeed(result) } else { pending.fail(CommandLogError.timedOut) }
        case .applied(.index(let pending), let index):
            pending.succeed(index)
        case .dropped(let waiter):
            fail(waiter, CommandLogError.dropped)
        case .unknown(let waiter), .timedOut(let waiter):
            fail(waiter, CommandLogError.timedOut)
        }
    }

    private func fail(_ waiter: Waiter, _ error: any Error) {
        switch waiter {
        case .write(let pending): pending.fail(error)
        case .index(let pending): pending.fail(error)
        }
    }

    /// Starts a snapshot every `snapshotEvery` applied entries. The state is pinned here, at
    /// the applied index and membership of this moment, and read into an image on the snapshot
    /// queue, so the writes that follow do not wait for it (a keyspace of 5,000 secrets made a
    /// 10 MB image and stopped every write for about 80 ms); only storing it happens here.
    private func maybeSnapshot(applied: UInt64) {
        guard !snapshotInFlight, applied - lastSnapshotIndex >= settings.snapshotEvery else { return }
        do {
            let (view, _) = try keyspace.pinForSnapshot()
            let confState = raft.confState
            let keyspace = self.keyspace
            let started = ContinuousClock.now
            snapshotInFlight = true
            snapshotQueue.async { [self] in
                let image = Result { try keyspace.snapshotImage(of: view) }
                enqueue(.snapshotRead(image, confState, started: started))
            }
        } catch {
            logger.error("could not take a snapshot", metadata: ["error": "\(error)"])
        }
    }

    private func storeSnapshot(
        _ image: Result<SnapshotImage, any Error>, confState: ConfState, started: ContinuousClock.Instant
    ) {
        snapshotInFlight = false
        do {
            let image = try image.get()
            // A snapshot from the leader may have been installed while this one was read.
            guard image.appliedIndex > lastSnapshotIndex else { return }
            let read = ContinuousClock.now
            let kept = settings.entriesKeptAfterSnapshot
            try storage.createSnapshot(index: image.appliedIndex, confState: confState, data: image.data,
                                       compactingUpTo: image.appliedIndex > kept ? image.appliedIndex - kept : 0)
            lastSnapshotIndex = image.appliedIndex
            logger.info("took a snapshot", metadata: [
                "index": "\(image.appliedIndex)", "bytes": "\(image.data.count)",
                "read_ms": "\((read - started).milliseconds)", "store_ms": "\((ContinuousClock.now - read).milliseconds)"])
        } catch {
            logger.error("could not take a snapshot", metadata: ["error": "\(error)"])
        }
    }

    private func expire(now: ContinuousClock.Instant) {
        for answer in waiters.tick() { resume(answer) }
        memberWatchers.removeAll { watcher in
            guard watcher.pending.deadline <= now else { return false }
            watcher.pending.succeed(())
            return true
        }
    }

    private func failAll(_ error: any Error) {
        for waiter in waiters.removeAll() { fail(waiter, error) }
        for watcher in memberWatchers { watcher.pending.fail(error) }
        memberWatchers = []
    }

    private func publishStatus() {
        let members = raft.confState
        var progress: [NodeID: UInt64] = [:]
        var activity: [NodeID: MemberActivity] = [:]
        if raft.role == .leader {
            for member in members.members {
                progress[member] = raft.matchIndex(of: member) ?? 0
                activity[member] = raft.activity(of: member)
            }
        }
        let status = DriverStatus(
            id: id, role: raft.role, term: raft.term, leader: raft.leader, commit: raft.commitIndex,
            applied: raft.appliedIndex, lastIndex: raft.lastIndex, voters: members.voters, learners: members.learners,
            match: progress, activity: activity, unreachableAfterTicks: settings.electionTicks,
            snapshotIndex: lastSnapshotIndex)
        published.withLock { $0 = status }
        wakeMemberWatchers()
    }

    private func wakeMemberWatchers() {
        guard !memberWatchers.isEmpty else { return }
        let leading = raft.role == .leader
        let members = raft.confState.members
        memberWatchers.removeAll { watcher in
            let progressed = !leading || members.contains { member in
                !watcher.applied.contains(member) && (raft.activity(of: member)?.applied ?? 0) >= watcher.index
            }
            if progressed { watcher.pending.succeed(()) }
            return progressed
        }
    }
}

/// What the driver last knew, for status pages and for routing writes to the leader.
public struct DriverStatus: Sendable {
    public var id: NodeID
    public var role: RaftRole = .follower
    public var term: UInt64 = 0
    public var leader: NodeID = noNode
    public var commit: UInt64 = 0
    public var applied: UInt64 = 0
    public var lastIndex: UInt64 = 0
    public var voters: [NodeID] = []
    public var learners: [NodeID] = []
    /// Leader only: each member's replicated index.
    public var match: [NodeID: UInt64] = [:]
    /// Leader only: each member's reported applied index and silence, in ticks.
    public var activity: [NodeID: MemberActivity] = [:]
    /// A member silent for longer than this many ticks counts as unreachable.
    public var unreachableAfterTicks = 10
    public var snapshotIndex: UInt64 = 0

    public var isLeader: Bool { role == .leader }
}

public enum MembershipError: Error, Sendable, CustomStringConvertible {
    case refused(String)

    public var description: String {
        switch self {
        case .refused(let reason): "membership change refused: \(reason)"
        }
    }
}

/// One caller waiting on the driver: resumed exactly once.
final class Pending<Value: Sendable>: @unchecked Sendable {
    private var continuation: CheckedContinuation<Value, any Error>?
    /// When a member watcher gives up (the log's waiters count ticks in the driver core).
    let deadline: ContinuousClock.Instant

    init(_ continuation: CheckedContinuation<Value, any Error>, deadline: ContinuousClock.Instant) {
        self.continuation = continuation
        self.deadline = deadline
    }

    func succeed(_ value: Value) {
        continuation?.resume(returning: value)
        continuation = nil
    }

    func fail(_ error: any Error) {
        continuation?.resume(throwing: error)
        continuation = nil
    }
}

extension Duration {
    /// Whole milliseconds, for logs.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
