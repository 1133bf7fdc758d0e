import Testing
@testable import Raft

/// The driver core's order of work, rule by rule (DESIGN: Raft and driver contract).
@Suite("Driver core: the order of a Ready's steps")
struct DriverCoreTests {
    static let entry = Entry(index: 5, term: 2, data: [1])

    static func message(_ kind: MessageKind, to: NodeID = 2, entries: [Entry] = []) -> Message {
        var message = Message(kind: kind, from: 1, to: to, term: 2)
        message.entries = entries
        return message
    }

    static func ready(hardState: HardState? = nil, entries: [Entry] = [], committed: [Entry] = [], messages: [Message] = [],
                      readStates: [ReadState] = []) -> Ready {
        Ready(softState: nil, hardState: hardState, entries: entries, snapshot: nil, committedEntries: committed,
              messages: messages, readStates: readStates)
    }

    /// Where each kind of step falls: the index of the first step matching.
    static func position(of match: (DriverCore.Step) -> Bool, in steps: [DriverCore.Step]) -> Int? {
        steps.firstIndex(where: match)
    }

    @Test func aLeaderSendsItsAppendsAndHeartbeatsBeforeItsOwnSyncAndTheRestAfter() {
        var core = DriverCore(durable: HardState(term: 2, vote: 1))
        let append = Self.message(.append, entries: [Self.entry]), heartbeat = Self.message(.heartbeat, to: 3)
        let commitOnly = Self.message(.append, to: 3)
        let steps = core.plan(Self.ready(hardState: HardState(term: 2, vote: 1, commit: 4), entries: [Self.entry],
                                         messages: [append, heartbeat, commitOnly]), role: .leader)
        #expect(steps.first == .send([append, heartbeat]))
        #expect(steps.firstIndex(of: .sync) == 2)
        #expect(steps.last == .send([commitOnly]), "an append with only a commit index waits for the sync")
    }

    @Test func aFollowerSendsNothingBeforeItsSync() {
        var core = DriverCore(durable: HardState(term: 2, vote: 1))
        let ack = Self.message(.appendResponse, to: 1)
        let steps = core.plan(Self.ready(entries: [Self.entry], messages: [ack]), role: .follower)
        #expect(steps.count == 3)
        #expect(steps[0] == .persist(snapshot: nil, entries: [Self.entry], hardState: nil) && steps[1] == .sync)
        guard case .send(let sent) = steps[2] else { Issue.record("no send after the sync"); return }
        #expect(sent.map(\.kind) == [.appendResponse])
    }

    @Test func aNewTermOrVoteIsDurableBeforeAnyoneHearsOfIt() {
        var core = DriverCore(durable: HardState(term: 2, vote: 1))
        let heartbeat = Self.message(.heartbeat)
        let steps = core.plan(Self.ready(hardState: HardState(term: 3, vote: 1), messages: [heartbeat]), role: .leader)
        #expect(steps == [.persist(snapshot: nil, entries: [], hardState: HardState(term: 3, vote: 1)), .sync, .send([heartbeat])])
        // Once planned (and performed), that term is the durable one: the next heartbeat goes early.
        #expect(core.plan(Self.ready(entries: [Self.entry], messages: [heartbeat]), role: .leader).first == .send([heartbeat]))
    }

    @Test func committedEntriesAreAppliedAfterTheSyncAndResponsesCarryWhatWasApplied() {
        var core = DriverCore(durable: HardState(term: 2, vote: 1))
        var ack = Self.message(.appendResponse, to: 1)
        ack.applied = 3
        let committed = [Entry(index: 4, term: 2), Entry(index: 5, term: 2)]
        let steps = core.plan(Self.ready(hardState: HardState(term: 2, vote: 1, commit: 5), entries: [Self.entry], committed: committed,
                                         messages: [ack]), role: .follower)
        let sync = steps.firstIndex(of: .sync) ?? .max
        let apply = steps.firstIndex(of: .apply(snapshot: nil, entries: committed)) ?? -1
        #expect(sync < apply)
        guard case .send(let sent) = steps.last else { Issue.record("no send"); return }
        #expect(sent.first?.applied == 5)
    }

    @Test func onlyACommitIndexToRecordNeedsNoSync() {
        var core = DriverCore(durable: HardState(term: 2, vote: 1))
        let committed = [Entry(index: 4, term: 2)]
        let steps = core.plan(Self.ready(hardState: HardState(term: 2, vote: 1, commit: 4), committed: committed), role: .follower)
        #expect(steps == [.persist(snapshot: nil, entries: [], hardState: HardState(term: 2, vote: 1, commit: 4)),
                          .apply(snapshot: nil, entries: committed)])
    }

    @Test func readsAreConfirmedAfterTheApplyOfTheirReady() {
        var core = DriverCore(durable: HardState(term: 2, vote: 1))
        let read = ReadState(index: 4, context: [9])
        let steps = core.plan(Self.ready(committed: [Entry(index: 4, term: 2)], readStates: [read]), role: .leader)
        #expect(steps == [.apply(snapshot: nil, entries: [Entry(index: 4, term: 2)]), .confirmReads([read])])
    }
}
