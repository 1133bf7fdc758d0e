import Raft
import Linearizability

/// A simulated client: one operation at a time, sent to the node it believes leads.
struct Client {
    struct Pending {
        var opID: Int
        var input: KeyValueModel.Input
        var call: Int
        var node: NodeID
    }

    let id: Int
    var leaderGuess: NodeID
    var pending: Pending?
    var nextOpID = 1
    /// Operations called after the cluster healed that got a definite answer.
    var successesAfterHeal = 0
    /// Last value seen per key, so compare-and-set sometimes succeeds.
    var lastSeen: [Int: Int] = [:]
    let readsOnly: Bool

    init(id: Int, leaderGuess: NodeID, readsOnly: Bool = false) {
        self.id = id
        self.leaderGuess = leaderGuess
        self.readsOnly = readsOnly
    }

    mutating func makeInput(keys: Int, rng: inout SplitMix64) -> KeyValueModel.Input {
        let key = rng.below(keys)
        let value = id * 1_000_000 + nextOpID
        if readsOnly { return .get(key: key) }
        switch rng.below(10) {
        case 0..<4:
            return .put(key: key, value: value)
        case 4..<7:
            return .get(key: key)
        default:
            let expected = rng.chance(0.2) ? nil : lastSeen[key]
            return .compareAndSet(key: key, expected: expected, new: value)
        }
    }
}

/// How a node answered a client.
enum ClientResult {
    case done(KeyValueModel.Output)
    /// Refused without effect; retry at the hinted leader.
    case notLeader(hint: NodeID)
}
