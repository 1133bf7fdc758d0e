/// A register per key with put, get and compare-and-set: the workload of the simulator.
public struct KeyValueModel: Model, Sendable {
    public enum Input: Sendable, Hashable {
        case put(key: Int, value: Int)
        case get(key: Int)
        case compareAndSet(key: Int, expected: Int?, new: Int)

        public var key: Int {
            switch self {
            case .put(let k, _), .get(let k), .compareAndSet(let k, _, _): return k
            }
        }
    }

    public enum Output: Sendable, Hashable {
        case ok
        case value(Int?)
        case swapped(Bool)
    }

    public init() {}

    public var initialState: Int? { nil }

    public func partition(_ history: [Operation<Input, Output>]) -> [[Operation<Input, Output>]] {
        var byKey: [Int: [Operation<Input, Output>]] = [:]
        for op in history { byKey[op.input.key, default: []].append(op) }
        return byKey.keys.sorted().map { byKey[$0]! }
    }

    public func step(_ state: Int?, _ input: Input, _ output: Output?) -> Int?? {
        switch input {
        case .put(_, let value):
            if let output, output != .ok { return nil }
            return .some(value)
        case .get:
            if let output, output != .value(state) { return nil }
            return .some(state)
        case .compareAndSet(_, let expected, let new):
            let matches = state == expected
            if let output, output != .swapped(matches) { return nil }
            return .some(matches ? new : state)
        }
    }
}
