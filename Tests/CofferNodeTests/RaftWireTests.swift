import CofferStore
import Raft
import Testing
@testable import CofferNode

/// What a peer's Raft message may hold: a term, and numbers far enough from the end of
/// UInt64 that the core's arithmetic on them cannot overflow. Anything else is refused at
/// the wire, before the core sees it.
@Suite("Raft wire")
struct RaftWireTests {
    static func append() -> Message {
        var m = Message(kind: .append, from: 2, to: 1, term: 3)
        m.index = 5
        m.logTerm = 3
        m.commit = 4
        m.entries = [Entry(index: 6, term: 3, data: [1, 2])]
        return m
    }

    @Test func aWellFormedMessageComesBackAsSent() throws {
        let decoded = try RaftWire.decode(RaftWire.encode(Self.append()))
        #expect(decoded.term == 3 && decoded.index == 5 && decoded.entries.map(\.index) == [6])
    }

    @Test func noTermOrNumbersPastInt64AreRefused() {
        let edits: [(String, (inout Message) -> Void)] = [
            ("term 0", { $0.term = 0 }),
            ("term", { $0.term = .max }),
            ("log term", { $0.logTerm = UInt64(Int64.max) + 1 }),
            ("index", { $0.index = .max }),
            ("commit", { $0.commit = .max }),
            ("reject hint", { $0.rejectHint = .max }),
            ("entry index", { $0.entries[0] = Entry(index: .max, term: 3, data: []) }),
            ("entry term", { $0.entries[0] = Entry(index: 6, term: .max, data: []) }),
            ("snapshot index", { $0.snapshot = SnapshotMetadata(index: .max, term: 1) }),
        ]
        for (what, edit) in edits {
            var message = Self.append()
            edit(&message)
            #expect(throws: DecodingFailure.self, "\(what)") { try RaftWire.decode(RaftWire.encode(message)) }
        }
    }
}
