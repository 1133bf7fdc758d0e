#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Resolver
import Synchronization

/// Where measured renders put the byte they read from each output, so the optimizer must
/// produce every output; printed nowhere, only kept.
nonisolated(unsafe) var sink: UInt64 = 0

enum Measure {
    /// Nanoseconds per call of `body`: a warm-up, then the best of `repetitions` timed runs of
    /// `iterations` calls each, on a monotonic clock. `body` returns one byte of its output.
    @inline(__always)
    static func nsPerCall(iterations: Int, repetitions: Int = 5, _ body: () -> UInt8) -> Double {
        var local: UInt64 = 0
        for _ in 0..<max(iterations / 5, 50) { local &+= UInt64(body()) }
        var best = Double.infinity
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            for _ in 0..<iterations { local &+= UInt64(body()) }
            let elapsed = ContinuousClock.now - start
            best = min(best, nanoseconds(elapsed) / Double(iterations))
        }
        sink &+= local
        return best
    }

    /// Nanoseconds per call of each body, timed in turns: a warm-up of each, then
    /// `repetitions` rounds that each time every body once for `iterations` calls, in order;
    /// each body's best round. A change in the machine's speed during the run reaches every
    /// body alike, where timing one body's rounds after another's compared two moments.
    static func nsPerCallInTurns(iterations: Int, repetitions: Int = 7, _ bodies: [() -> UInt8]) -> [Double] {
        var local: UInt64 = 0
        for body in bodies {
            for _ in 0..<max(iterations / 5, 50) { local &+= UInt64(body()) }
        }
        var best = Array(repeating: Double.infinity, count: bodies.count)
        for _ in 0..<repetitions {
            for (index, body) in bodies.enumerated() {
                let start = ContinuousClock.now
                for _ in 0..<iterations { local &+= UInt64(body()) }
                best[index] = min(best[index], nanoseconds(ContinuousClock.now - start) / Double(iterations))
            }
        }
        sink &+= local
        return best
    }

    /// Calls per second with one thread per core, each making `iterations` calls; the best of
    /// `repetitions` runs, timed from the first thread's start to the last one's end.
    static func callsPerSecondAllCores(
        iterations: Int, repetitions: Int = 3, _ body: @escaping @Sendable () -> UInt8
    ) -> (threads: Int, perSecond: Double) {
        let threads = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let total = Atomic<UInt64>(0)
        var best = 0.0
        for repetition in 0...repetitions {
            let start = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                var local: UInt64 = 0
                for _ in 0..<iterations { local &+= UInt64(body()) }
                total.wrappingAdd(local, ordering: .relaxed)
            }
            let elapsed = ContinuousClock.now - start
            if repetition > 0 {         // the first run is the warm-up
                best = max(best, Double(threads * iterations) / (nanoseconds(elapsed) / 1e9))
            }
        }
        sink &+= total.load(ordering: .relaxed)
        return (threads, best)
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}

extension RenderedOutput {
    /// The byte a measured render hands to the sink.
    @inline(__always)
    var middle: UInt8 { withUnsafeBytes { $0.isEmpty ? 0 : $0[$0.count &>> 1] } }
}
