/// The callers a driver keeps waiting on the log, and when each is answered, decided in one
/// place for the node and the simulator: no I/O, no clock (time is ticks) and no threads.
/// The shell resumes the callers the answers name, in the order given.
///
/// The rules:
/// 1. A write is answered when the entry at its index is applied: `applied` if that entry
///    is the write's own (same key), `dropped` if another entry took the index (the write was
///    lost to a leader change and will never be applied). When a snapshot from the leader
///    covers its index the write's fate is `unknown`: the snapshot may hold it, and a caller
///    told "dropped" would send it again.
/// 2. A read waits for its ReadIndex round, then until the index the round confirmed is
///    applied: answering before serves a state older than a write it must see.
/// 3. A wait for an index is answered once that index is applied.
/// 4. Whatever is still waiting `timeoutTicks` ticks after it began times out; a write that
///    timed out may still be applied later.
public struct Waiters<Caller, Key: Equatable> {
    public enum Answer {
        /// The write's entry, the read's confirmed index, or the awaited index is applied.
        case applied(Caller, LogIndex)
        /// Another entry took the write's index: it will never be applied.
        case dropped(Caller)
        /// A snapshot covered the write's index: it may or may not have been applied.
        case unknown(Caller)
        case timedOut(Caller)
    }

    private struct Waiting<Detail> {
        var caller: Caller
        var detail: Detail
        var expires: Int
    }

    public let timeoutTicks: Int
    private var now = 0
    /// Writes in the order proposed, with their key and index.
    private var writes: [Waiting<(key: Key, index: LogIndex)>] = []
    /// Reads whose ReadIndex round is under way, by its context.
    private var reads: [Waiting<[UInt8]>] = []
    /// Confirmed reads and waits for an index: answered once it is applied.
    private var indexes: [Waiting<LogIndex>] = []

    public init(timeoutTicks: Int) {
        self.timeoutTicks = timeoutTicks
    }

    public var isEmpty: Bool { writes.isEmpty && reads.isEmpty && indexes.isEmpty }

    /// `caller`'s write was appended at `index` as the entry known by `key`.
    public mutating func proposed(_ caller: Caller, key: Key, at index: LogIndex) {
        writes.append(Waiting(caller: caller, detail: (key, index), expires: now + timeoutTicks))
    }

    /// These reads wait for the ReadIndex round asked with `context`.
    public mutating func readRequested(_ callers: [Caller], context: [UInt8]) {
        for caller in callers { reads.append(Waiting(caller: caller, detail: context, expires: now + timeoutTicks)) }
    }

    /// `caller` waits until `index` is applied; answered at once if `applied` reaches it.
    public mutating func awaitApplied(_ caller: Caller, index: LogIndex, applied: LogIndex) -> Answer? {
        if index <= applied { return .applied(caller, index) }
        indexes.append(Waiting(caller: caller, detail: index, expires: now + timeoutTicks))
        return nil
    }

    /// ReadIndex rounds confirmed (a Ready's read states): their reads now wait for the index.
    public mutating func readsConfirmed(_ states: [ReadState]) {
        for state in states {
            reads.removeAll { read in
                guard read.detail == state.context else { return false }
                indexes.append(Waiting(caller: read.caller, detail: state.index, expires: read.expires))
                return true
            }
        }
    }

    /// The log is applied through `index`: `entries` are the writes just applied, by index
    /// with their key (other entries need not be listed); `snapshot` the index of a snapshot
    /// installed on the way, if any.
    public mutating func applied(through index: LogIndex, entries: [(index: LogIndex, key: Key)],
                                 snapshot: LogIndex? = nil) -> [Answer] {
        var answers: [Answer] = []
        var keys: [LogIndex: Key] = [:]
        for entry in entries { keys[entry.index] = entry.key }
        writes.removeAll { write in
            let at = write.detail.index
            guard at <= index else { return false }
            if keys[at] == write.detail.key {
                answers.append(.applied(write.caller, at))
            } else if let snapshot, at <= snapshot, keys[at] == nil {
                answers.append(.unknown(write.caller))
            } else {
                answers.append(.dropped(write.caller))
            }
            return true
        }
        indexes.removeAll { waiting in
            guard waiting.detail <= index else { return false }
            answers.append(.applied(waiting.caller, waiting.detail))
            return true
        }
        return answers
    }

    /// One tick passed: whatever waited its full time times out.
    public mutating func tick() -> [Answer] {
        now += 1
        var answers: [Answer] = []
        func expire<D>(_ list: inout [Waiting<D>]) {
            list.removeAll { waiting in
                guard waiting.expires <= now else { return false }
                answers.append(.timedOut(waiting.caller))
                return true
            }
        }
        expire(&writes)
        expire(&reads)
        expire(&indexes)
        return answers
    }

    /// Every caller still waiting, and none kept: the driver is stopping.
    public mutating func removeAll() -> [Caller] {
        defer { (writes, reads, indexes) = ([], [], []) }
        return writes.map(\.caller) + reads.map(\.caller) + indexes.map(\.caller)
    }
}
