import Testing
import Linearizability

private typealias KV = KeyValueModel
private typealias Op = Operation<KV.Input, KV.Output>

private func op(_ client: Int, _ input: KV.Input, _ call: Int, _ output: KV.Output?, _ ret: Int?) -> Op {
    Operation(client: client, input: input, call: call, output: output, returned: ret)
}

private let checker = LinearizabilityChecker(model: KV())

@Suite struct LinearizableHistories {
    @Test func sequentialHistory() {
        let h = [
            op(0, .put(key: 1, value: 5), 0, .ok, 1),
            op(0, .get(key: 1), 2, .value(5), 3),
            op(1, .compareAndSet(key: 1, expected: 5, new: 6), 4, .swapped(true), 5),
            op(1, .get(key: 1), 6, .value(6), 7),
        ]
        #expect(checker.check(h) == .linearizable)
    }

    @Test func concurrentReadMaySeeEitherValue() {
        // The read overlaps the write, so old and new values are both fine.
        for seen in [nil, 5] as [Int?] {
            let h = [
                op(0, .put(key: 1, value: 5), 0, .ok, 10),
                op(1, .get(key: 1), 2, .value(seen), 4),
            ]
            #expect(checker.check(h) == .linearizable)
        }
    }

    @Test func reorderingConcurrentWrites() {
        // Writes overlap; reads after both agree on the one that went second.
        let h = [
            op(0, .put(key: 1, value: 1), 0, .ok, 10),
            op(1, .put(key: 1, value: 2), 1, .ok, 9),
            op(2, .get(key: 1), 11, .value(1), 12),
            op(3, .get(key: 1), 13, .value(1), 14),
        ]
        #expect(checker.check(h) == .linearizable)
    }

    @Test func timedOutWriteMayHaveHappened() {
        let h = [
            op(0, .put(key: 1, value: 7), 0, nil, nil),
            op(1, .get(key: 1), 5, .value(7), 6),
            op(1, .get(key: 1), 7, .value(7), 8),
        ]
        #expect(checker.check(h) == .linearizable)
    }

    @Test func timedOutWriteMayNotHaveHappened() {
        let h = [
            op(0, .put(key: 1, value: 7), 0, nil, nil),
            op(1, .get(key: 1), 5, .value(nil), 6),
        ]
        #expect(checker.check(h) == .linearizable)
    }

    @Test func independentKeysArePartitioned() {
        var h: [Op] = []
        for k in 0..<20 {
            h.append(op(k, .put(key: k, value: k), k * 2, .ok, k * 2 + 100))
            h.append(op(k + 100, .get(key: k), k * 2 + 1, .value(k), k * 2 + 200))
        }
        #expect(checker.check(h) == .linearizable)
    }
}

@Suite struct NonLinearizableHistories {
    @Test func staleRead() {
        let h = [
            op(0, .put(key: 1, value: 1), 0, .ok, 1),
            op(0, .put(key: 1, value: 2), 2, .ok, 3),
            op(1, .get(key: 1), 4, .value(1), 5),
        ]
        #expect(checker.check(h) == .notLinearizable(partition: 0))
    }

    @Test func readsGoingBackInTime() {
        // Two sequential reads during one long write: new value then old value.
        let h = [
            op(0, .put(key: 1, value: 2), 0, .ok, 100),
            op(1, .get(key: 1), 10, .value(2), 20),
            op(1, .get(key: 1), 30, .value(nil), 40),
        ]
        #expect(checker.check(h) != .linearizable)
    }

    @Test func twoCompareAndSetsBothWin() {
        let h = [
            op(0, .put(key: 1, value: 0), 0, .ok, 1),
            op(1, .compareAndSet(key: 1, expected: 0, new: 1), 2, .swapped(true), 10),
            op(2, .compareAndSet(key: 1, expected: 0, new: 2), 3, .swapped(true), 11),
        ]
        #expect(checker.check(h) != .linearizable)
    }

    @Test func valueNobodyWrote() {
        let h = [
            op(0, .put(key: 1, value: 3), 0, nil, nil),
            op(1, .get(key: 1), 1, .value(4), 2),
        ]
        #expect(checker.check(h) != .linearizable)
    }

    @Test func violationIsFoundInItsKeyPartition() {
        let h = [
            op(0, .put(key: 0, value: 1), 0, .ok, 1),
            op(0, .put(key: 9, value: 1), 0, .ok, 1),
            op(1, .get(key: 9), 2, .value(nil), 3),
        ]
        #expect(checker.check(h) == .notLinearizable(partition: 1))
    }
}

/// A model other than key-value: a FIFO queue, to show the checker is generic.
private struct QueueModel: Model, Sendable {
    enum Input: Sendable { case enqueue(Int), dequeue }
    enum Output: Sendable, Equatable { case ok, value(Int?) }
    var initialState: [Int] { [] }
    func step(_ state: [Int], _ input: Input, _ output: Output?) -> [Int]? {
        switch input {
        case .enqueue(let v):
            return state + [v]
        case .dequeue:
            let head = state.first
            if let output, output != .value(head) { return nil }
            return Array(state.dropFirst())
        }
    }
}

@Suite struct GenericModelTests {
    @Test func queueOrder() {
        typealias QOp = Operation<QueueModel.Input, QueueModel.Output>
        let ok: [QOp] = [
            .init(client: 0, input: .enqueue(1), call: 0, output: .ok, returned: 5),
            .init(client: 1, input: .enqueue(2), call: 1, output: .ok, returned: 6),
            .init(client: 2, input: .dequeue, call: 7, output: .value(2), returned: 8),
        ]
        #expect(LinearizabilityChecker(model: QueueModel()).check(ok) == .linearizable)
        let bad: [QOp] = [
            .init(client: 0, input: .enqueue(1), call: 0, output: .ok, returned: 1),
            .init(client: 1, input: .enqueue(2), call: 2, output: .ok, returned: 3),
            .init(client: 2, input: .dequeue, call: 4, output: .value(2), returned: 5),
        ]
        #expect(LinearizabilityChecker(model: QueueModel()).check(bad) != .linearizable)
    }
}
