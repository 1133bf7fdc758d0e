import CofferCrypto
import CofferStore
import Foundation
import Raft
import Testing

/// The LMDB log must behave exactly like the in-memory reference storage the Raft core is
/// tested with, across every write and across reopening (a restart).
@Suite("Raft log on LMDB")
struct LMDBRaftStorageTests {
    final class Pair {
        let store: TemporaryKeyspace
        var lmdb: LMDBRaftStorage
        let memory = MemoryStorage()

        init() throws {
            store = try TemporaryKeyspace()
            lmdb = try LMDBRaftStorage(environment: store.keyspace.environment)
        }

        func reopen() throws {
            try store.reopen()
            lmdb = try LMDBRaftStorage(environment: store.keyspace.environment)
        }

        /// Both storages answer every read the same way.
        func agree(_ context: String) {
            #expect(lmdb.firstIndex() == memory.firstIndex(), "\(context): firstIndex")
            #expect(lmdb.lastIndex() == memory.lastIndex(), "\(context): lastIndex")
            #expect(lmdb.hardState() == memory.hardState(), "\(context): hard state")
            #expect(lmdb.snapshot() == memory.snapshot(), "\(context): snapshot")
            let low = memory.firstIndex() > 1 ? memory.firstIndex() - 1 : 0
            for index in low...(memory.lastIndex() + 1) {
                #expect(result { try lmdb.term(at: index) } == result { try memory.term(at: index) }, "\(context): term(\(index))")
            }
            for start in low...(memory.lastIndex() + 1) {
                let end = min(memory.lastIndex() + 1, start + 5)
                #expect(result { try lmdb.entries(from: start, to: end, maxBytes: 100) }
                        == result { try memory.entries(from: start, to: end, maxBytes: 100) }, "\(context): entries(\(start)..<\(end))")
            }
        }

        /// What a call did, as comparable text: its value or its error.
        func result<Value>(_ body: () throws -> Value) -> String {
            do { return "ok: \(try body())" } catch { return "error: \(error)" }
        }
    }

    @Test func matchesTheReferenceStorageUnderRandomOperations() throws {
        let seed = ProcessInfo.processInfo.environment["STORE_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0 ... .max)
        print("LMDB raft storage differential test: seed \(seed) (replay with STORE_SEED=\(seed))")
        var rng = SplitMix64(seed: seed)
        let pair = try Pair()
        var term: Term = 1
        for step in 0..<300 {
            let context = "seed \(seed) step \(step)"
            switch rng.next() % 10 {
            case 0...4:
                // Append, possibly overwriting a suffix, as a follower does on conflicts; never
                // below the snapshot, which covers committed entries only.
                let last = pair.memory.lastIndex()
                let first = max(pair.memory.firstIndex(), pair.memory.snapshot().metadata.index + 1,
                                last >= 3 ? last - rng.next() % 3 : last + 1)
                if rng.next() % 4 == 0 { term += 1 }
                let entries = (0..<(1 + rng.next() % 4)).map { offset in
                    Entry(index: first + offset, term: term, kind: rng.next() % 5 == 0 ? .confChange : .normal,
                          data: (0..<(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                }
                try pair.lmdb.append(entries)
                try pair.memory.append(entries)
            case 5:
                let state = HardState(term: term, vote: rng.next() % 3, commit: pair.memory.lastIndex())
                pair.lmdb.setHardState(state)
                pair.memory.setHardState(state)
            case 6:
                let index = pair.memory.lastIndex()
                let data = Array("image-\(index)".utf8)
                let conf = ConfState(voters: [1, 2, 3], learners: [4])
                if rng.next() % 2 == 0 {
                    #expect(pair.result { try pair.lmdb.createSnapshot(index: index, confState: conf, data: data) }
                            == pair.result { try pair.memory.createSnapshot(index: index, confState: conf, data: data) }, "\(context)")
                } else {
                    // The driver's form: the snapshot and a compaction behind it in one transaction.
                    let upTo = index - min(index, rng.next() % 3)
                    #expect(pair.result { try pair.lmdb.createSnapshot(index: index, confState: conf, data: data, compactingUpTo: upTo) }
                            == pair.result {
                                try pair.memory.createSnapshot(index: index, confState: conf, data: data)
                                try pair.memory.compact(upTo: upTo)
                            }, "\(context)")
                }
            case 7:
                let upTo = pair.memory.snapshot().metadata.index
                _ = pair.result { try pair.lmdb.compact(upTo: upTo) }
                _ = pair.result { try pair.memory.compact(upTo: upTo) }
            case 8:
                let snapshot = Snapshot(metadata: SnapshotMetadata(index: pair.memory.lastIndex() + 2, term: term,
                                                                   confState: ConfState(voters: [1, 2])), data: [1, 2, 3])
                try pair.lmdb.applySnapshot(snapshot)
                try pair.memory.applySnapshot(snapshot)
            default:
                try pair.reopen()
            }
            pair.agree(context)
        }
        try pair.reopen()
        pair.agree("after the final reopen (seed \(seed))")
    }

    @Test func theDriversCombinedWriteIsAtomic() throws {
        let pair = try Pair()
        try pair.lmdb.append([Entry(index: 1, term: 1, data: [1])])
        // A transaction that fails midway leaves nothing of itself behind.
        #expect(throws: StoreError.self) {
            try pair.store.keyspace.environment.write { txn in
                try pair.lmdb.append([Entry(index: 2, term: 1, data: [2])], in: txn)
                try pair.lmdb.persist(HardState(term: 1, vote: 0, commit: 2), in: txn)
                throw StoreError.io("simulated failure before commit")
            }
        }
        try pair.reopen()
        #expect(pair.lmdb.lastIndex() == 1)
        #expect(pair.lmdb.hardState() == HardState())
    }
}
