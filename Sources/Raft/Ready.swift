/// Everything the core asks its driver to do, in this order:
/// 1. persist `snapshot`, `entries` and `hardState` (atomically, durably);
/// 2. send `messages` (only now: they may promise what was just persisted);
/// 3. install `snapshot` in the state machine and apply `committedEntries`;
/// 4. call `advance(_:)` with this Ready.
public struct Ready: Sendable {
    public var softState: SoftState?
    public var hardState: HardState?
    public var entries: [Entry]
    public var snapshot: Snapshot?
    public var committedEntries: [Entry]
    public var messages: [Message]
    public var readStates: [ReadState]

    public var isEmpty: Bool {
        softState == nil && hardState == nil && entries.isEmpty && snapshot == nil
            && committedEntries.isEmpty && messages.isEmpty && readStates.isEmpty
    }
}

extension Raft {
    public var hasReady: Bool {
        softState != previousSoftState || hardState != previousHardState
            || !log.unstable.entries.isEmpty || log.unstable.snapshot != nil
            || log.hasNextCommittedEntries || !messages.isEmpty || !readStates.isEmpty
    }

    /// Takes the pending output. Call `advance(_:)` with it before the next `ready()`.
    public mutating func ready() -> Ready {
        let soft = softState
        let hard = hardState
        let ready = Ready(
            softState: soft != previousSoftState ? soft : nil,
            hardState: hard != previousHardState ? hard : nil,
            entries: log.unstable.entries,
            snapshot: log.unstable.snapshot,
            committedEntries: log.nextCommittedEntries(),
            messages: messages,
            readStates: readStates)
        messages = []
        readStates = []
        previousSoftState = soft
        return ready
    }

    /// The driver has persisted and applied `ready`.
    public mutating func advance(_ ready: Ready) {
        if let hard = ready.hardState { previousHardState = hard }
        if let snap = ready.snapshot {
            log.unstable.stableSnapshotTo(index: snap.metadata.index)
            if snap.metadata.index > log.applied { log.applied = snap.metadata.index }
        }
        if let last = ready.entries.last {
            log.unstable.stableTo(index: last.index, term: last.term)
        }
        if let last = ready.committedEntries.last {
            log.appliedTo(last.index)
        }
        countOwnPersistedEntries()
    }
}
