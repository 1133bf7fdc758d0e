import CofferClient
import Foundation
import Linearizability
import Raft
import Synchronization
import Testing

extension EndToEnd {
    /// Jepsen's method on a real cluster: clients on every node rotate and linearizably
    /// render a few secrets while a nemesis drawn from a printed seed kills (`kill -9`),
    /// pauses (`SIGSTOP`) and cuts off nodes; the history the clients saw is then checked
    /// with the project's linearizability checker. `cluster/jepsen.sh SECONDS SEED` runs a
    /// long one (`JEPSEN_SECONDS`, `JEPSEN_SEED`).
    @Suite("Jepsen: rotations and linearizable renders under a nemesis")
    struct JepsenTests {
        static let secrets = 3
        static let clientsPerNode = 2
        /// A client gives up on an operation after this long: a write then may or may not
        /// have happened, a read tells nothing.
        static let operationDeadline = Duration.seconds(3)

        @Test func historyUnderKillsPausesAndPartitionsIsLinearizable() async throws {
            let environment = ProcessInfo.processInfo.environment
            let seconds = environment["JEPSEN_SECONDS"].flatMap(Int.init) ?? 20
            let seed = environment["JEPSEN_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(Int64.max))
            print("jepsen: seed \(seed), \(seconds) s of faults (replay: cluster/jepsen.sh \(seconds) \(seed))")
            var rng = SplitMix64(seed: seed)

            let deployment = try Deployment(nodes: 3, proxied: true)
            _ = try await deployment.startAll()
            let history = HistoryRecorder()
            let admin = try deployment.client(token: deployment.adminToken)
            for key in 0..<Self.secrets {
                let created = try await admin.json(.POST, "/v1/secrets", ["name": "Jepsen\(key)", "value": "0"])
                try #require(created.status == 201, "\(created.errorMessage)")
                history.record(HistoryOperation(client: -1, input: .put(key: key, value: 0), call: 0, output: .ok, returned: 0))
            }
            await admin.shutdown()

            let deadline = history.start + .seconds(seconds)
            let clientSeeds = (0..<(3 * Self.clientsPerNode)).map { _ in rng.next() }
            let nemesisRNG = rng.fork()
            let faults = await withTaskGroup(of: NemesisLog?.self) { group in
                for (client, clientSeed) in clientSeeds.enumerated() {
                    group.addTask {
                        await Self.clientLoop(client, node: 1 + client % 3, deployment: deployment, history: history,
                                              seed: clientSeed, until: deadline)
                        return nil
                    }
                }
                group.addTask { await Nemesis(deployment: deployment, rng: nemesisRNG).run(until: deadline) }
                return await group.reduce(into: NemesisLog()) { total, log in if let log { total = log } }
            }
            #expect(faults.failures.isEmpty, "the nemesis could not restart a node: \(faults.failures)")

            // Healed: every node up and reachable; each must then answer every secret.
            deployment.healAll()
            for index in 1...3 where deployment.pid(index) == nil { try await deployment.start(index) }
            try await deployment.waitConverged([1, 2, 3])
            for index in 1...3 {
                let render = try deployment.client(token: deployment.renderToken, only: index)
                for key in 0..<Self.secrets {
                    let read = await Self.read(key, via: render, client: 100 + index, history: history)
                    #expect(read != nil, "node\(index) answers a linearizable render of Jepsen\(key) once healed")
                }
                await render.shutdown()
            }

            let recorded = history.operations
            let checked = Self.withoutUnobservedMaybeWrites(recorded)
            let checkStarted = ContinuousClock.now
            let result = LinearizabilityChecker(model: KeyValueModel(), budget: 50_000_000).check(checked)
            let checkTime = ContinuousClock.now - checkStarted
            let writes = recorded.filter { if case .put = $0.input { return $0.client >= 0 } else { return false } }
            let reads = recorded.filter { if case .get = $0.input { return true } else { return false } }
            print("jepsen: seed \(seed): \(recorded.count) operations (\(writes.filter { !$0.timedOut }.count) rotations acknowledged, "
                  + "\(writes.filter(\.timedOut).count) may or may not have happened, \(reads.count) linearizable renders), "
                  + "\(faults.summary); \(checked.count) checked in \(checkTime): \(result)")
            #expect(result == .linearizable, "seed \(seed): the history has no legal order (replay: cluster/jepsen.sh \(seconds) \(seed))")
            // A run where nothing got through proves nothing.
            #expect(writes.filter { !$0.timedOut }.count >= 10 * seconds / 20)
            #expect(reads.count >= 20 * seconds / 20)
        }

        /// One client bound to one node: rotations and linearizable renders of random
        /// secrets, one at a time, until `deadline`.
        static func clientLoop(_ client: Int, node: Int, deployment: Deployment, history: HistoryRecorder,
                               seed: UInt64, until deadline: ContinuousClock.Instant) async {
            var rng = SplitMix64(seed: seed)
            guard let admin = try? deployment.client(token: deployment.adminToken, only: node),
                  let render = try? deployment.client(token: deployment.renderToken, only: node) else { return }
            var written = 0
            while ContinuousClock.now < deadline {
                let key = rng.below(Self.secrets)
                if rng.chance(0.4) {
                    written += 1
                    // Unique across the run, so a render names the one write it shows.
                    await write(key, value: (client + 1) * 1_000_000 + written, via: admin, client: client, history: history)
                } else {
                    _ = await read(key, via: render, client: client, history: history)
                }
            }
            await admin.shutdown()
            await render.shutdown()
        }

        static func write(_ key: Int, value: Int, via admin: CofferClient, client: Int, history: HistoryRecorder) async {
            let call = history.now
            let status = await withDeadline(operationDeadline) {
                try await admin.json(.PUT, "/v1/secrets/Jepsen\(key)", ["value": "\(value)"]).status
            }
            // Only a success is certain; any other answer may come after the write was applied.
            let done = status == 200
            history.record(HistoryOperation(client: client, input: .put(key: key, value: value), call: call,
                                     output: done ? .ok : nil, returned: done ? history.now : nil))
        }

        /// A linearizable render of one secret; what it showed, or nil if it failed.
        static func read(_ key: Int, via render: CofferClient, client: Int, history: HistoryRecorder) async -> Int? {
            let call = history.now
            let text = await withDeadline(operationDeadline) { () -> String? in
                let response = try await render.send(.POST, "/v1/render?consistency=linearizable",
                                                     body: Array("{{Secrets.Jepsen\(key)}}".utf8), contentType: "text/plain")
                return response.status == 200 ? response.text : nil
            }
            // A read that failed changed nothing and showed nothing: not part of the history.
            guard let text = text ?? nil, let value = Int(text) else { return nil }
            history.record(HistoryOperation(client: client, input: .get(key: key), call: call, output: .value(value), returned: history.now))
            return value
        }

        /// A write that may or may not have happened and whose value no render showed can be
        /// placed after every other operation, where it constrains nothing: leaving it out
        /// keeps the search small without changing the verdict (values are unique).
        static func withoutUnobservedMaybeWrites(
            _ history: [HistoryOperation]
        ) -> [HistoryOperation] {
            var observed = Set<[Int]>()
            for op in history {
                if case .get(let key) = op.input, case .value(let value?)? = op.output { observed.insert([key, value]) }
            }
            return history.filter { op in
                guard op.timedOut, case .put(let key, let value) = op.input else { return true }
                return observed.contains([key, value])
            }
        }

        /// `body`'s result, or nil if it failed or `limit` passed first (it is then cancelled).
        static func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async -> T? {
            await withTaskGroup(of: T?.self) { group in
                group.addTask { try? await body() }
                group.addTask {
                    try? await Task.sleep(for: limit)
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }
    }
}

/// One operation of the history (Foundation has an `Operation` of its own).
typealias HistoryOperation = Linearizability.Operation<KeyValueModel.Input, KeyValueModel.Output>

/// The history of one run, in microseconds since its start, from every client at once.
final class HistoryRecorder: Sendable {
    let start = ContinuousClock.now
    private let recorded = Mutex<[HistoryOperation]>([])

    var now: Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
    }

    func record(_ operation: HistoryOperation) {
        recorded.withLock { $0.append(operation) }
    }

    var operations: [HistoryOperation] { recorded.withLock { $0 } }
}

/// What the nemesis did.
struct NemesisLog: Sendable {
    var kills = 0
    var pauses = 0
    var partitions = 0
    var failures: [String] = []

    var summary: String { "\(kills + pauses + partitions) faults (\(kills) kill -9, \(pauses) SIGSTOP, \(partitions) partitions)" }
}

/// One fault at a time, each on a random node (so never more than a minority of three):
/// `kill -9` and a restart, `SIGSTOP` and `SIGCONT`, or every link of the node cut and healed.
struct Nemesis: Sendable {
    let deployment: Deployment
    var rng: SplitMix64

    func run(until deadline: ContinuousClock.Instant) async -> NemesisLog {
        var rng = rng
        var log = NemesisLog()
        func pause(_ range: ClosedRange<Int>) async { try? await Task.sleep(for: .milliseconds(rng.inRange(range))) }
        while ContinuousClock.now < deadline {
            await pause(200...1_000)
            let node = 1 + rng.below(3)
            switch rng.below(3) {
            case 0:
                deployment.kill9(node)
                log.kills += 1
                await pause(300...1_500)
                do { try await deployment.start(node) } catch { log.failures.append("node\(node): \(error)") }
            case 1:
                guard let pid = deployment.pid(node) else { continue }
                kill(pid, SIGSTOP)
                log.pauses += 1
                await pause(300...2_000)
                kill(pid, SIGCONT)
            default:
                deployment.isolate(node)
                log.partitions += 1
                await pause(500...2_500)
                deployment.healAll()
            }
        }
        return log
    }
}
