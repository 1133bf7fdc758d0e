/// Bounded window of append messages sent to one follower and not yet acknowledged,
/// recorded by the last index each carried (ascending).
struct Inflights: Sendable, Hashable {
    let capacity: Int
    private(set) var lastIndices: [LogIndex] = []

    init(capacity: Int) { self.capacity = capacity }

    var isFull: Bool { lastIndices.count >= capacity }
    var count: Int { lastIndices.count }

    mutating func add(_ index: LogIndex) {
        precondition(!isFull, "inflight window overflow")
        lastIndices.append(index)
    }

    /// Frees every message whose entries are all acknowledged by `index`.
    mutating func freeLE(_ index: LogIndex) {
        lastIndices.removeAll { $0 <= index }
    }

    mutating func freeFirst() {
        if !lastIndices.isEmpty { lastIndices.removeFirst() }
    }

    mutating func reset() { lastIndices.removeAll() }
}
