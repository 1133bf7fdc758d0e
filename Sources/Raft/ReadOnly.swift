/// Pending ReadIndex requests on the leader (§6.4 of the Raft thesis). Each request
/// records the commit index when it arrived; it is served once a majority answers a
/// heartbeat sent after it, proving the leader was still leader at that time.
struct ReadOnly {
    struct Request {
        var context: [UInt8]
        var index: LogIndex
        /// Who asked: the leader itself or a follower that forwarded it.
        var from: NodeID
        var acks: Set<NodeID>
    }

    private(set) var queue: [Request] = []

    mutating func add(context: [UInt8], index: LogIndex, from: NodeID, leader: NodeID) {
        guard !queue.contains(where: { $0.context == context }) else { return }
        queue.append(Request(context: context, index: index, from: from, acks: [leader]))
    }

    /// Records a heartbeat acknowledgement; returns the ack count for that request.
    mutating func ack(context: [UInt8], from: NodeID) -> Set<NodeID>? {
        guard let i = queue.firstIndex(where: { $0.context == context }) else { return nil }
        queue[i].acks.insert(from)
        return queue[i].acks
    }

    /// Removes and returns every request up to and including `context`: a heartbeat round
    /// that confirms a later request also confirms the earlier ones.
    mutating func advance(through context: [UInt8]) -> [Request] {
        guard let i = queue.firstIndex(where: { $0.context == context }) else { return [] }
        let served = Array(queue[...i])
        queue.removeFirst(i + 1)
        return served
    }

    var lastContext: [UInt8]? { queue.last?.context }

    mutating func reset() { queue = [] }
}
