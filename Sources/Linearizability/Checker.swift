public enum CheckResult: Sendable, Equatable {
    case linearizable
    /// No order exists for this partition (index into the model's partitions).
    case notLinearizable(partition: Int)
    /// The search exceeded its budget without an answer.
    case unknown
}

/// Porcupine's algorithm (after Wing & Gong, with Lowe's cache): walk the history's call
/// and return events in time order; at each call try to linearize that operation next; at
/// a return whose call is not yet linearized, backtrack. A cache of (linearized set,
/// state) pairs prunes searches already known to fail.
public struct LinearizabilityChecker<M: Model & Sendable>: Sendable {
    public let model: M
    /// Upper bound on search steps per partition.
    public var budget: Int

    public init(model: M, budget: Int = 5_000_000) {
        self.model = model
        self.budget = budget
    }

    public func check(_ history: [Operation<M.Input, M.Output>]) -> CheckResult {
        var sawUnknown = false
        for (i, part) in model.partition(history).enumerated() {
            switch checkPartition(part) {
            case .linearizable: continue
            case .notLinearizable: return .notLinearizable(partition: i)
            case .unknown: sawUnknown = true
            }
        }
        return sawUnknown ? .unknown : .linearizable
    }

    private struct Event {
        var op: Int
        var isCall: Bool
        var time: Int
    }

    func checkPartition(_ ops: [Operation<M.Input, M.Output>]) -> CheckResult {
        let n = ops.count
        guard n > 0 else { return .linearizable }
        // Events sorted by time; at equal times calls come first, so operations that touch
        // the same instant count as concurrent (the permissive reading).
        var events: [Event] = []
        for (i, op) in ops.enumerated() {
            events.append(Event(op: i, isCall: true, time: op.call))
            events.append(Event(op: i, isCall: false, time: op.returned ?? Int.max))
        }
        events.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.isCall != b.isCall { return a.isCall }
            return a.op < b.op
        }
        // Doubly linked list over events with a sentinel head at position 0.
        let count = events.count + 1
        var next = Array(0..<count).map { $0 + 1 }
        var prev = Array(0..<count).map { $0 - 1 }
        next[count - 1] = -1
        var callNode = Array(repeating: 0, count: n)
        var returnNode = Array(repeating: 0, count: n)
        for (pos, event) in events.enumerated() {
            if event.isCall { callNode[event.op] = pos + 1 } else { returnNode[event.op] = pos + 1 }
        }
        func node(_ p: Int) -> Event { events[p - 1] }
        func unlink(_ p: Int) {
            next[prev[p]] = next[p]
            if next[p] != -1 { prev[next[p]] = prev[p] }
        }
        func relink(_ p: Int) {
            next[prev[p]] = p
            if next[p] != -1 { prev[next[p]] = p }
        }

        var linearized = Bitset(count: n)
        var cache: [Bitset: [M.State]] = [:]
        var stack: [(op: Int, state: M.State)] = []
        var state = model.initialState
        var cursor = next[0]
        var steps = 0

        while next[0] != -1 {
            steps += 1
            if steps > budget { return .unknown }
            let event = node(cursor)
            if event.isCall {
                let op = ops[event.op]
                if let newState = model.step(state, op.input, op.output) {
                    var candidate = linearized
                    candidate.insert(event.op)
                    if !(cache[candidate]?.contains(newState) ?? false) {
                        cache[candidate, default: []].append(newState)
                        stack.append((event.op, state))
                        state = newState
                        linearized = candidate
                        unlink(callNode[event.op])
                        unlink(returnNode[event.op])
                        cursor = next[0]
                        continue
                    }
                }
                cursor = next[cursor]
            } else {
                // An operation returned before we could linearize it: undo the last choice.
                guard let (op, previous) = stack.popLast() else { return .notLinearizable(partition: 0) }
                state = previous
                linearized.remove(op)
                relink(returnNode[op])
                relink(callNode[op])
                cursor = next[callNode[op]]
            }
        }
        return .linearizable
    }
}
