@testable import Raft

/// Deterministic generator for election jitter in tests.
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func makeConfig(_ id: NodeID, _ configure: (inout RaftConfig) -> Void = { _ in }) -> RaftConfig {
    var config = RaftConfig(id: id)
    config.electionTicks = 10
    config.heartbeatTicks = 1
    configure(&config)
    return config
}

/// A node with a bootstrapped storage, for single-node unit tests.
func makeNode(_ id: NodeID, voters: [NodeID], _ configure: (inout RaftConfig) -> Void = { _ in }) -> (Raft, MemoryStorage) {
    let storage = MemoryStorage()
    try! storage.bootstrap(voters: voters)
    return (Raft(config: makeConfig(id, configure), storage: storage, rng: TestRNG(id)), storage)
}

/// Drives several cores by hand: messages queue up and are delivered in order on demand,
/// with nodes optionally cut off. Every Ready is persisted to the node's storage before its
/// messages are queued, as a real driver must.
final class TestCluster {
    var nodes: [NodeID: Raft] = [:]
    var storages: [NodeID: MemoryStorage] = [:]
    var queue: [Message] = []
    var isolated: Set<NodeID> = []
    var applied: [NodeID: [Entry]] = [:]
    var readStates: [NodeID: [ReadState]] = [:]
    var snapshotData: [NodeID: [UInt8]] = [:]
    var ids: [NodeID] { nodes.keys.sorted() }

    init(voters: [NodeID], _ configure: (inout RaftConfig) -> Void = { _ in }) {
        for id in voters {
            let (raft, storage) = makeNode(id, voters: voters, configure)
            nodes[id] = raft
            storages[id] = storage
            applied[id] = []
        }
        for id in ids { flush(id) }
    }

    /// Adds a node with empty storage (to be added by a membership change).
    func addEmptyNode(_ id: NodeID, _ configure: (inout RaftConfig) -> Void = { _ in }) {
        let storage = MemoryStorage()
        storages[id] = storage
        nodes[id] = Raft(config: makeConfig(id, configure), storage: storage, rng: TestRNG(id))
        applied[id] = []
    }

    subscript(id: NodeID) -> Raft {
        get { nodes[id]! }
        set { nodes[id] = newValue }
    }

    /// Persists and applies every Ready the node has (a leader's own persist can commit, and
    /// so make the next one).
    func flush(_ id: NodeID) {
        while var raft = nodes[id], raft.hasReady {
            flushOne(id, &raft)
        }
    }

    private func flushOne(_ id: NodeID, _ raft: inout Raft) {
        let ready = raft.ready()
        let storage = storages[id]!
        if let snap = ready.snapshot { try! storage.applySnapshot(snap); snapshotData[id] = snap.data }
        try! storage.append(ready.entries)
        if let hard = ready.hardState { storage.setHardState(hard) }
        queue.append(contentsOf: ready.messages)
        applied[id]!.append(contentsOf: ready.committedEntries)
        readStates[id, default: []].append(contentsOf: ready.readStates)
        raft.advance(ready)
        nodes[id] = raft
    }

    func step(_ id: NodeID, _ m: Message) {
        nodes[id]!.step(m)
        flush(id)
    }

    /// Delivers queued messages (and the ones they cause) until none is left.
    func stabilize(maxMessages: Int = 10_000, drop: (Message) -> Bool = { _ in false }) {
        var count = 0
        while !queue.isEmpty && count < maxMessages {
            let m = queue.removeFirst()
            count += 1
            if isolated.contains(m.from) || isolated.contains(m.to) || drop(m) { continue }
            guard nodes[m.to] != nil else { continue }
            step(m.to, m)
        }
    }

    /// Delivers only the messages currently queued that match, keeping the rest queued.
    func deliver(where predicate: (Message) -> Bool) {
        let batch = queue.filter(predicate)
        queue.removeAll(where: predicate)
        for m in batch where !isolated.contains(m.from) && !isolated.contains(m.to) && nodes[m.to] != nil {
            step(m.to, m)
        }
    }

    func campaign(_ id: NodeID) {
        nodes[id]!.campaign()
        flush(id)
    }

    func elect(_ id: NodeID) {
        campaign(id)
        stabilize()
    }

    func propose(_ id: NodeID, _ data: [UInt8]) throws {
        try nodes[id]!.propose(data)
        flush(id)
    }

    func tick(_ id: NodeID, times: Int = 1) {
        for _ in 0..<times {
            nodes[id]!.tick()
            flush(id)
        }
    }

    func tickAll(times: Int = 1) {
        for _ in 0..<times { for id in ids { tick(id) } }
    }

    func leader() -> NodeID? { ids.first { nodes[$0]!.role == .leader } }

    func appliedData(_ id: NodeID) -> [[UInt8]] {
        applied[id]!.filter { $0.kind == .normal && !$0.data.isEmpty }.map(\.data)
    }
}
