extension Raft {
    /// Proposes several normal entries at once: one append, then one replication round, so a
    /// burst of client writes travels to each follower in one message instead of one each.
    /// Returns the index of the first entry; the others follow in order.
    @discardableResult
    public mutating func propose(batch: [[UInt8]]) throws(RaftError) -> LogIndex {
        try checkCanPropose()
        let first = log.lastIndex + 1
        guard !batch.isEmpty else { return first }
        appendEntries(batch.map { Entry(index: 0, term: 0, kind: .normal, data: $0) })
        broadcastAppend()
        return first
    }
}
