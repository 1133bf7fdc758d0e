import CofferStore
import Foundation

/// The single-node log: commands are numbered in arrival order and applied by one writer
/// thread, which takes every command waiting when it wakes and applies them in one LMDB
/// write transaction (one fsync for the whole group).
public final class LocalCommandLog: CommandLog, @unchecked Sendable {
    private let keyspace: Keyspace
    private let onApplied: @Sendable ([AppliedCommand]) -> Void
    private let condition = NSCondition()
    private var pending: [(Command, CheckedContinuation<AppliedCommand, any Error>)] = []
    private var stopping = false
    private var thread: Thread?

    /// `onApplied` runs on the writer thread after each durable batch, before callers resume.
    public init(keyspace: Keyspace, onApplied: @escaping @Sendable ([AppliedCommand]) -> Void) {
        self.keyspace = keyspace
        self.onApplied = onApplied
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "coffer-apply"
        self.thread = thread
        thread.start()
    }

    public func submit(_ command: Command) async throws -> AppliedCommand {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                continuation.resume(throwing: CommandLogError.stopped)
                return
            }
            pending.append((command, continuation))
            condition.signal()
        }
    }

    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            let batch = pending
            pending.removeAll()
            let done = stopping && batch.isEmpty
            condition.unlock()
            if done { return }
            apply(batch)
        }
    }

    private func apply(_ batch: [(Command, CheckedContinuation<AppliedCommand, any Error>)]) {
        do {
            let first = try keyspace.appliedIndex + 1
            let entries = batch.enumerated().map { (index: first + UInt64($0.offset), command: $0.element.0) }
            let results = try keyspace.apply(entries)
            onApplied(results)
            for (result, (_, continuation)) in zip(results, batch) { continuation.resume(returning: result) }
        } catch {
            for (_, continuation) in batch { continuation.resume(throwing: error) }
        }
    }
}
