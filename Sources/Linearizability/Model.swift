/// A sequential specification, as in Porcupine: a pure transition function that says
/// whether an operation with this input could have produced this output in `state`.
public protocol Model {
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    associatedtype State: Hashable

    var initialState: State { get }

    /// Independent sub-histories (for example one per key) checked separately; the
    /// default is the whole history.
    func partition(_ history: [Operation<Input, Output>]) -> [[Operation<Input, Output>]]

    /// The state after the operation, or nil if the output is impossible from `state`.
    /// `output` is nil for an operation that timed out: any output is acceptable.
    func step(_ state: State, _ input: Input, _ output: Output?) -> State?
}

extension Model {
    public func partition(_ history: [Operation<Input, Output>]) -> [[Operation<Input, Output>]] { [history] }
}
