/// The leader's progress for every member, plus votes during an election, for one
/// configuration. Members are iterated in ascending id order for determinism.
struct ProgressTracker {
    private(set) var conf: ConfState
    private(set) var progress: [NodeID: Progress] = [:]
    var votes: [NodeID: Bool] = [:]
    let maxInflight: Int

    init(conf: ConfState, maxInflight: Int) {
        self.conf = conf
        self.maxInflight = maxInflight
    }

    var voters: [NodeID] { conf.voters }
    var members: [NodeID] { conf.members }

    subscript(id: NodeID) -> Progress? {
        get { progress[id] }
        set { progress[id] = newValue }
    }

    /// Installs a new configuration, keeping progress of members that stay.
    mutating func setConf(_ newConf: ConfState, nextIndex: LogIndex) {
        conf = newConf
        var updated: [NodeID: Progress] = [:]
        for id in newConf.members {
            var pr = progress[id] ?? Progress(next: nextIndex, isLearner: false, maxInflight: maxInflight)
            pr.isLearner = newConf.isLearner(id)
            updated[id] = pr
        }
        progress = updated
    }

    /// Fresh progress for every member (on a role change).
    mutating func resetProgress(nextIndex: LogIndex) {
        progress = [:]
        for id in conf.members {
            progress[id] = Progress(next: nextIndex, isLearner: conf.isLearner(id), maxInflight: maxInflight)
        }
    }

    func committedIndex() -> LogIndex {
        Quorum.committedIndex(voters: conf.voters) { progress[$0]?.match ?? 0 }
    }

    func voteResult() -> VoteResult { Quorum.voteResult(voters: conf.voters, votes: votes) }

    /// CheckQuorum: did a majority of voters (the leader counts itself) talk to us lately?
    func quorumActive(leader: NodeID) -> Bool {
        let active = conf.voters.filter { $0 == leader || progress[$0]?.recentActive == true }.count
        return active >= Quorum.size(voters: conf.voters.count)
    }

    mutating func clearRecentActive(except leader: NodeID) {
        for id in conf.members { progress[id]?.recentActive = (id == leader) }
    }

    /// One leader tick passed without news from anyone (answers reset the count).
    mutating func tickContacts() {
        for id in conf.members { progress[id]?.ticksSinceHeard += 1 }
    }

    /// A member answered an append or heartbeat, reporting its applied index.
    mutating func heard(from id: NodeID, applied: LogIndex) {
        guard var pr = progress[id] else { return }
        pr.ticksSinceHeard = 0
        pr.applied = max(pr.applied, applied)
        progress[id] = pr
    }
}
