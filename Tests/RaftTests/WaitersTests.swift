import Testing
import Raft

/// When the driver core answers the callers waiting on the log, rule by rule.
@Suite("Driver core: waiting callers")
struct WaitersTests {
    typealias Book = Waiters<String, Int>

    /// The answers as text, in order: "applied a@5", "dropped b", "unknown c", "timed out d".
    static func describe(_ answers: [Book.Answer]) -> [String] {
        answers.map { answer in
            switch answer {
            case .applied(let caller, let index): "applied \(caller)@\(index)"
            case .dropped(let caller): "dropped \(caller)"
            case .unknown(let caller): "unknown \(caller)"
            case .timedOut(let caller): "timed out \(caller)"
            }
        }
    }

    @Test func aWriteIsAnsweredWhenItsOwnEntryIsAppliedAndNotBefore() {
        var book = Book(timeoutTicks: 100)
        book.proposed("a", key: 1, at: 5)
        book.proposed("b", key: 2, at: 6)
        #expect(Self.describe(book.applied(through: 4, entries: [])).isEmpty)
        #expect(Self.describe(book.applied(through: 6, entries: [(5, 1), (6, 2)])) == ["applied a@5", "applied b@6"])
        #expect(book.isEmpty)
    }

    @Test func aWriteWhoseIndexAnotherEntryTookIsDroppedNeverApplied() {
        var book = Book(timeoutTicks: 100)
        book.proposed("mine", key: 1, at: 5)
        // A new leader's empty entry (not a write: not listed) and another write took 5 and 6.
        book.proposed("later", key: 3, at: 6)
        #expect(Self.describe(book.applied(through: 6, entries: [(6, 9)])) == ["dropped mine", "dropped later"])
    }

    @Test func aWriteUnderASnapshotFromTheLeaderIsUnknownNotDropped() {
        // Told "dropped", a caller sends the write again: if the snapshot held it, it is applied twice.
        var book = Book(timeoutTicks: 100)
        book.proposed("covered", key: 1, at: 5)
        book.proposed("after", key: 2, at: 8)
        #expect(Self.describe(book.applied(through: 8, entries: [(8, 2)], snapshot: 7)) == ["unknown covered", "applied after@8"])
    }

    @Test func aReadWaitsForItsRoundAndThenForTheConfirmedIndexToBeApplied() {
        var book = Book(timeoutTicks: 100)
        book.readRequested(["r1", "r2"], context: [7])
        book.readRequested(["other"], context: [8])
        // Applied far ahead, but the round is not confirmed: nothing to answer yet.
        #expect(book.applied(through: 50, entries: []).isEmpty)
        book.readsConfirmed([ReadState(index: 60, context: [7])])
        #expect(book.applied(through: 59, entries: []).isEmpty)
        #expect(Self.describe(book.applied(through: 60, entries: [])) == ["applied r1@60", "applied r2@60"])
        #expect(!book.isEmpty, "the read of the other round still waits")
    }

    @Test func aWaitForAnIndexIsAnsweredAtOnceWhenItIsAppliedAndOtherwiseLater() {
        var book = Book(timeoutTicks: 100)
        #expect(book.awaitApplied("now", index: 3, applied: 3).map { Self.describe([$0]) } == ["applied now@3"])
        #expect(book.awaitApplied("later", index: 9, applied: 3) == nil)
        #expect(Self.describe(book.applied(through: 9, entries: [])) == ["applied later@9"])
    }

    @Test func whateverWaitedItsFullTimeTimesOutAndNothingSooner() {
        var book = Book(timeoutTicks: 3)
        book.proposed("write", key: 1, at: 5)
        book.readRequested(["read"], context: [1])
        _ = book.awaitApplied("wait", index: 9, applied: 0)
        #expect(book.tick().isEmpty)
        #expect(book.tick().isEmpty)
        #expect(Self.describe(book.tick()) == ["timed out write", "timed out read", "timed out wait"])
        #expect(book.isEmpty)
    }

    @Test func stoppingHandsBackEveryCaller() {
        var book = Book(timeoutTicks: 3)
        book.proposed("write", key: 1, at: 5)
        book.readRequested(["read"], context: [1])
        #expect(book.removeAll() == ["write", "read"])
        #expect(book.isEmpty)
    }
}
