import Raft
import Linearizability

/// One server of the simulated cluster: the real Raft core, a simulated disk (the
/// `MemoryStorage`, written only when a Ready becomes durable) and the key-value state
/// machine rebuilt from that disk after a crash.
final class SimNode {
    let id: NodeID
    /// The durable disk. A crash keeps exactly this.
    let disk: MemoryStorage
    var raft: Raft?
    /// Bumped on each crash so events scheduled by a previous life are ignored.
    var incarnation = 0
    /// A Ready being written: the steps the driver core planned for after its sync wait here.
    var pendingReady: Ready?
    var pendingSteps: [DriverCore.Step] = []
    /// What the Ready being written wrote before its sync: in the OS, not yet on the disk.
    var unsyncedWrite: (snapshot: Snapshot?, entries: [Entry], hardState: HardState?)?
    /// The node's driver core: the same order of work a real node follows.
    var core = DriverCore(durable: HardState())
    var store = KeyValueStore()
    var appliedConf = ConfState()
    var applied: LogIndex = 0
    /// The clients' writes and reads waiting here: the driver core's waiters, as a node's.
    /// Clients give up on their own, so nothing here times out.
    var waiters = Waiters<Command, ClientOp>(timeoutTicks: 1 << 40)
    /// What the Ready being performed applied: each client write's index and output, and
    /// the index of a snapshot installed.
    var appliedWrites: [(index: LogIndex, key: ClientOp)] = []
    var outputs: [LogIndex: KeyValueModel.Output] = [:]
    var installedSnapshot: LogIndex?
    /// The highest index this node acknowledged to a leader, and in which term: within that
    /// term the entries up to it never change (the leader's log agrees with them).
    var acknowledged: (term: Term, index: LogIndex)?
    /// Commit index at the last safety check, to spot a leader's commit advancing.
    var lastObservedCommit: LogIndex = 0
    /// Removed from the cluster for good.
    var retired = false
    let createdAt: Int
    /// This node's clock: simulated ms between two ticks.
    var tickInterval = 10

    struct ClientOp: Hashable {
        var client: Int
        var opID: Int
    }

    init(id: NodeID, disk: MemoryStorage, createdAt: Int) {
        self.id = id
        self.disk = disk
        self.createdAt = createdAt
    }

    var isUp: Bool { raft != nil }

    /// Starts (or restarts) the core from what is on disk.
    func boot(rng: SplitMix64, plan: FaultPlan) {
        let snap = disk.snapshot()
        store = KeyValueStore(snapshotData: snap.data)
        appliedConf = snap.metadata.confState
        applied = snap.metadata.index
        var config = RaftConfig(id: id)
        config.electionTicks = 10
        config.heartbeatTicks = 2
        config.maxInflightMessages = plan.maxInflight
        config.maxMessageBytes = plan.maxMessageBytes
        config.snapshotChunkBytes = 64
        config.applied = applied
        config.checkQuorum = plan.checkQuorum
        config.preVote = plan.preVote
        raft = Raft(config: config, storage: disk, rng: rng)
        core = DriverCore(durable: disk.hardState())
        pendingReady = nil
        pendingSteps = []
        unsyncedWrite = nil
        forgetWaiters()
    }

    func forgetWaiters() {
        waiters = Waiters(timeoutTicks: waiters.timeoutTicks)
        appliedWrites = []
        outputs = [:]
        installedSnapshot = nil
    }

    /// Writes what `persist` wrote to the disk (a sync, or a crash the OS survives).
    func writeToDisk(_ write: (snapshot: Snapshot?, entries: [Entry], hardState: HardState?)) throws {
        if let snapshot = write.snapshot { try disk.applySnapshot(snapshot) }
        try disk.append(write.entries)
        if let hard = write.hardState { disk.setHardState(hard) }
    }

    func crash() {
        raft = nil
        lastObservedCommit = 0
        pendingReady = nil
        pendingSteps = []
        unsyncedWrite = nil
        forgetWaiters()
        acknowledged = nil
        incarnation += 1
    }
}
