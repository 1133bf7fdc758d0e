public struct RaftConfig: Sendable {
    public var id: NodeID
    /// Ticks without hearing a leader before a follower campaigns; the actual timeout is
    /// drawn uniformly from [electionTicks, 2*electionTicks) on every reset.
    public var electionTicks: Int = 10
    public var heartbeatTicks: Int = 1
    /// Largest payload of one append message.
    public var maxMessageBytes: Int = 16 * 1024
    /// Appends in flight to one follower before the leader waits for acknowledgements.
    public var maxInflightMessages: Int = 8
    public var preVote: Bool = true
    public var checkQuorum: Bool = true
    /// Snapshot data is sent in chunks of this size.
    public var snapshotChunkBytes: Int = 1024
    /// Entries already applied by the application (on restart, usually the snapshot index).
    public var applied: LogIndex = 0

    public init(id: NodeID) { self.id = id }
}
