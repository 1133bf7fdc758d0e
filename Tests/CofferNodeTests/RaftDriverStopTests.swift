import CofferCrypto
import CofferNode
import CofferStore
import Foundation
import Logging
import Raft
import Synchronization
import Testing

/// A caller waiting on the driver is answered when it stops, and a call after that is
/// answered at once: nothing waits for a thread that is gone.
@Suite("Raft driver: stopping")
struct RaftDriverStopTests {
    /// A driver of a one-member cluster, on a fresh keyspace in `directory`, once it leads.
    static func leadingDriver(in directory: String) async throws -> RaftDriver {
        let keyspace = try Keyspace(directory: directory, masterKey: .generate())
        let storage = try LMDBRaftStorage(environment: keyspace.environment)
        try storage.bootstrap(voters: [1])
        var settings = RaftDriver.Settings()
        settings.requestTimeout = .seconds(60)
        let driver = try RaftDriver(id: 1, keyspace: keyspace, storage: storage, settings: settings, seed: 1,
                                    send: { _, _ in }, onApplied: { _, _ in }, logger: Logger(label: "test"))
        driver.start()
        while !driver.status.isLeader { try await Task.sleep(for: .milliseconds(20)) }
        return driver
    }

    /// Starts `call` and returns how it ended, or nil if it had not within `limit` (a call
    /// that is never answered would hang a task group, so this polls instead).
    static func outcome(of call: @escaping @Sendable () async throws -> Void,
                        within limit: Duration = .seconds(10)) async -> Result<Void, any Error>? {
        let ended = Mutex<Result<Void, any Error>?>(nil)
        Task {
            do {
                try await call()
                ended.withLock { $0 = .success(()) }
            } catch {
                ended.withLock { $0 = .failure(error) }
            }
        }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let result = ended.withLock({ $0 }) { return result }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    static func stopped(_ result: Result<Void, any Error>?) -> Bool {
        guard case .failure(let error) = result, case CommandLogError.stopped = error else { return false }
        return true
    }

    @Test func waitingCallersAreAnsweredWhenTheDriverStops() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-driver-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = try await Self.leadingDriver(in: directory)

        // No member applies these indexes before the driver stops.
        let farAhead: UInt64 = 1_000_000
        async let watcher = Self.outcome {
            try await driver.waitForAnotherMember(toApply: farAhead, beyond: [], until: .now + .seconds(60))
        }
        async let applied = Self.outcome { _ = try await driver.waitApplied(farAhead) }
        try await Task.sleep(for: .milliseconds(200))
        driver.stop()
        #expect(Self.stopped(await watcher), "a rotation waiting for members is told the node stopped")
        #expect(Self.stopped(await applied), "a caller waiting for an index is told the node stopped")

        let readAfter = await Self.outcome { _ = try await driver.readIndex() }
        #expect(Self.stopped(readAfter), "a read after the stop is refused at once")
        let watchAfter = await Self.outcome {
            try await driver.waitForAnotherMember(toApply: 1, beyond: [], until: .now + .seconds(60))
        }
        #expect(Self.stopped(watchAfter), "a wait after the stop is refused at once")
    }
}
