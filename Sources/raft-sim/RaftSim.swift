import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import RaftSimulation

@main
struct RaftSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raft-sim",
        abstract: "Runs Raft clusters under seeded faults and checks safety and linearizability.")

    @Option(help: "Run this many consecutive seeds.")
    var seeds: Int?

    @Option(help: "First seed of a --seeds run.")
    var start: UInt64 = 1

    @Option(help: "Replay one seed.")
    var seed: UInt64?

    @Option(help: "Cluster size (3 or 5).")
    var nodes: Int = 3

    @Flag(help: "Print every event of a --seed run.")
    var trace = false

    @Flag(help: "Print one line per seed.")
    var verbose = false

    func validate() throws {
        guard nodes == 3 || nodes == 5 else { throw ValidationError("--nodes must be 3 or 5") }
        guard (seeds == nil) != (seed == nil) else { throw ValidationError("give either --seeds N or --seed S") }
        if let seeds, seeds < 1 { throw ValidationError("--seeds must be at least 1") }
    }

    func run() throws {
        if let seed {
            let options = SimulationOptions(seed: seed, nodeCount: nodes)
            let result = Simulation(options: options, trace: trace ? { print($0) } : nil).run()
            print(summary(result))
            print(result.passed ? "1 passed, 0 failed" : "0 passed, 1 failed")
            if !result.passed { throw ExitCode.failure }
            return
        }
        var passed = 0
        var undecided = 0
        var failed: [UInt64] = []
        for s in start..<(start + UInt64(seeds!)) {
            let result = Simulation(options: SimulationOptions(seed: s, nodeCount: nodes)).run()
            // Flushed a seed at a time, so a run that dies on a seed has said which passed before it.
            defer { fflush(nil) }
            if result.passed {
                passed += 1
                if result.linearizabilityUndecided { undecided += 1 }
                if verbose || result.linearizabilityUndecided { print(summary(result)) }
            } else {
                failed.append(s)
                print(summary(result))
            }
        }
        for s in failed { print("failing seed: \(s) (replay: raft-sim --seed \(s) --nodes \(nodes) --trace)") }
        print("\(passed) passed, \(failed.count) failed, \(undecided) undecided linearizability searches")
        if UndecidedBudget.isExceeded(undecided: undecided, seeds: seeds!) {
            print("more than 1 in 1,000 seeds undecided: the linearizability check proves too little")
            throw ExitCode.failure
        }
        if !failed.isEmpty { throw ExitCode.failure }
    }

    func summary(_ r: SimulationResult) -> String {
        let status = r.failure.map { "FAIL: \($0)" } ?? (r.linearizabilityUndecided ? "ok (linearizability undecided)" : "ok")
        return "seed \(r.seed) nodes \(r.nodeCount): \(status) — \(r.operations) ops (\(r.timedOut) timed out), "
            + "commit \(r.committedIndex), \(r.events) events, \(r.elapsedSimulatedMs)ms simulated; \(r.plan)"
    }
}
