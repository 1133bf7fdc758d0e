import Raft
/// Every fault setting of one run, drawn from its seed so that runs differ in how hostile
/// they are, not just in timing.
public struct FaultPlan: Sendable, CustomStringConvertible {
    /// Probability that a message is lost / delivered twice / held back (reordering).
    public var dropRate: Double
    public var duplicateRate: Double
    public var slowRate: Double
    /// Network delay range in ms for ordinary and for held-back messages.
    public var delay: ClosedRange<Int>
    public var slowDelay: ClosedRange<Int>
    /// Per fault decision (every `faultInterval` ms): probability of each kind of fault.
    public var crashRate: Double
    public var restartRate: Double
    public var partitionRate: Double
    public var healRate: Double
    public var membershipRate: Double
    public var transferRate: Double
    /// Disk write latency in ms (time between taking a Ready and it being durable).
    public var diskLatency: ClosedRange<Int>
    /// Entries applied between snapshots, and entries kept in the log behind a snapshot.
    public var snapshotEvery: Int
    public var snapshotKeep: Int
    /// Replication flow control of the cores: small messages and windows split a new
    /// leader's catch-up into many rounds, where older-term entries are acknowledged
    /// before the leader's own.
    public var maxMessageBytes: Int
    public var maxInflight: Int
    /// Share of crashes aimed at the current leader rather than any node.
    public var leaderCrashShare: Double
    /// Probability that a newly elected leader crashes within `churnDelay` ms and restarts
    /// soon after: terms that end with entries on a minority are where the commit rules
    /// of §5.4 matter (the Figure 8 scenario).
    public var leaderChurn: Double
    /// Clock drift: each node's tick interval is drawn from 10...(10 + clockSkew) ms, so
    /// timeouts on different nodes disagree, as real clocks do. Safety must not care.
    public var clockSkew: Int
    /// Core options varied per seed: safety must hold with or without them (only
    /// availability depends on them), and without CheckQuorum's step-down a deposed
    /// leader lingers, which is where a read path that skips ReadIndex shows.
    public var checkQuorum: Bool
    /// How long a client waits before giving up on an operation (it then counts as maybe
    /// happened). Short waits keep clients moving between nodes during faults.
    public var clientTimeout: Int
    public var preVote: Bool
    public var churnDelay: ClosedRange<Int>
    /// Share of crashes that are power cuts: what was written but not synced is gone, or
    /// torn (a prefix of the entries survives, the hard state, written after them, only
    /// with all of them: what a WAL that cuts a torn tail keeps). The others are process
    /// crashes: the operating system keeps every write.
    public var powerCutShare: Double
    /// Per fault decision: probability that the leader takes a burst of proposals and is
    /// deposed (crashed or cut off) within 2 ms. Its appends leave before its own sync, so
    /// followers keep long tails the next leader must cut (AppendEntries rule 3), and a
    /// power cut can leave them on a follower while the old leader lost them.
    public var burstRate: Double
    /// Probability that a leader's append or heartbeat comes with an older append to the
    /// same follower: one of the last 64 appends sent (any leader, any term: rule 1), or an
    /// append of a prefix of the leader's log with its current commit index, which may match
    /// only a prefix of a follower's log whose tail still conflicts (rules 3–5).
    public var replayRate: Double
    /// Probability that a node that just granted its vote crashes before its disk's sync
    /// could have completed: a vote that was not durable would be given twice.
    public var voterCrashRate: Double
    /// Client 0 only reads, always through one node (a gateway rendering): when that node
    /// is a leader cut off from the others, it keeps asking it, and a read it answers
    /// without a quorum's confirmation shows a stale state.
    public var readerClient: Bool

    static func drawn(from rng: inout SplitMix64) -> FaultPlan {
        func pick(_ values: [Double]) -> Double { values[rng.below(values.count)] }
        return FaultPlan(
            dropRate: pick([0, 0.02, 0.05, 0.1, 0.2]),
            duplicateRate: pick([0, 0.02, 0.05]),
            slowRate: pick([0, 0.05, 0.1]),
            delay: 1...rng.inRange(2...12),
            slowDelay: 20...rng.inRange(40...200),
            crashRate: pick([0, 0.05, 0.1, 0.2]),
            restartRate: pick([0.1, 0.3, 0.6]),
            partitionRate: pick([0, 0.05, 0.1]),
            healRate: pick([0.05, 0.1, 0.3]),
            membershipRate: pick([0, 0.03, 0.08]),
            transferRate: pick([0, 0.03, 0.06]),
            diskLatency: 0...[1, 3, 10][rng.below(3)],
            snapshotEvery: rng.inRange(8...40),
            snapshotKeep: rng.inRange(0...6),
            maxMessageBytes: [1, 1, 100, 300, 2048][rng.below(5)],
            maxInflight: [1, 2, 4, 8][rng.below(4)],
            leaderCrashShare: pick([0, 0.5, 0.9]),
            leaderChurn: pick([0, 0.5, 0.8]),
            clockSkew: [0, 3, 10][rng.below(3)],
            checkQuorum: rng.below(3) != 0,
            clientTimeout: [120, 250, 500][rng.below(3)],
            preVote: rng.below(4) != 0,
            churnDelay: 0...[2, 5, 10, 30][rng.below(4)],
            powerCutShare: pick([0, 0.5, 1]),
            burstRate: pick([0, 0.1, 0.3]),
            replayRate: pick([0, 0.1, 0.3]),
            voterCrashRate: pick([0, 0.1, 0.3]),
            readerClient: rng.chance(0.5))
    }

    public var description: String {
        func pct(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }
        return "drop=\(pct(dropRate)) dup=\(pct(duplicateRate)) slow=\(pct(slowRate)) delay=\(delay) slowDelay=\(slowDelay) "
            + "crash=\(pct(crashRate)) restart=\(pct(restartRate)) partition=\(pct(partitionRate)) heal=\(pct(healRate)) "
            + "membership=\(pct(membershipRate)) transfer=\(pct(transferRate)) disk=\(diskLatency) "
            + "snapshotEvery=\(snapshotEvery) keep=\(snapshotKeep) "
            + "msgBytes=\(maxMessageBytes) inflight=\(maxInflight) leaderCrashes=\(pct(leaderCrashShare)) "
            + "leaderChurn=\(pct(leaderChurn)) churnDelay=\(churnDelay) clockSkew=\(clockSkew)ms checkQuorum=\(checkQuorum) clientTimeout=\(clientTimeout)ms preVote=\(preVote) powerCuts=\(pct(powerCutShare))"
            + " bursts=\(pct(burstRate)) replays=\(pct(replayRate)) voterCrashes=\(pct(voterCrashRate)) readerClient=\(readerClient)"
    }
}
