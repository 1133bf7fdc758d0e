/// One client operation as observed from outside: when it was called, when it returned
/// and what it returned. A timed-out operation has neither a return time nor an output:
/// it may have taken effect at any point after its call, or never.
public struct Operation<Input: Sendable, Output: Sendable>: Sendable {
    public var client: Int
    public var input: Input
    public var call: Int
    public var output: Output?
    public var returned: Int?

    public init(client: Int, input: Input, call: Int, output: Output?, returned: Int?) {
        precondition(returned.map { $0 >= call } ?? true, "an operation cannot return before its call")
        self.client = client
        self.input = input
        self.call = call
        self.output = output
        self.returned = returned
    }

    public var timedOut: Bool { returned == nil }
}
