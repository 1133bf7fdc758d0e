import Foundation
import Testing
import RaftSimulation

/// The seed budget `make test` runs. Each seed is a whole cluster life: faults for 3 s of
/// simulated time, then healing and a liveness check, then the linearizability check.
enum SeedBudget {
    static let threeNodeSeeds: ClosedRange<UInt64> = 1...500
    static let fiveNodeSeeds: ClosedRange<UInt64> = 1...400
    static let freshSeedsPerSize = 3
}

/// Runs the seeds on a thread of their own (a minute of work must not hold one of the two
/// threads of the cooperative pool the other suites' tests run on), then records each
/// failure in the calling test.
private func runSeeds(_ seeds: [UInt64], nodes: Int) async -> [SimulationResult] {
    let results = await withCheckedContinuation { (continuation: CheckedContinuation<[SimulationResult], Never>) in
        Thread {
            continuation.resume(returning: seeds.map { Simulation(options: SimulationOptions(seed: $0, nodeCount: nodes)).run() })
        }.start()
    }
    let failures = results.filter { !$0.passed }
    let undecided = results.filter(\.linearizabilityUndecided).map(\.seed)
    if UndecidedBudget.isExceeded(undecided: undecided.count, seeds: seeds.count) {
        Issue.record("linearizability undecided for \(undecided.count) of \(seeds.count) seeds (\(nodes) nodes): \(undecided)")
    }
    for result in failures {
        Issue.record("seed \(result.seed) (\(nodes) nodes) failed: \(result.failure!) — replay: raft-sim --seed \(result.seed) --nodes \(nodes) --trace")
    }
    print("simulation: \(seeds.count - failures.count) passed, \(failures.count) failed, \(undecided.count) undecided (\(nodes) nodes, seeds \(seeds.first!)...\(seeds.last!))")
    return failures
}

private func randomSeeds() -> [UInt64] {
    // Only the choice of seeds is random; each run is still fully determined by its seed.
    (0..<SeedBudget.freshSeedsPerSize).map { _ in UInt64.random(in: 1_000_000...UInt64(Int64.max)) }
}

@Suite struct SimulationTests {
    @Test func sameSeedSameRun() {
        var first: [String] = []
        var second: [String] = []
        let a = Simulation(options: SimulationOptions(seed: 42, nodeCount: 5)) { first.append($0) }.run()
        let b = Simulation(options: SimulationOptions(seed: 42, nodeCount: 5)) { second.append($0) }.run()
        #expect(first == second)
        #expect(first.count > 100)
        #expect(a.events == b.events && a.operations == b.operations)
    }

    @Test func fixedSeedsThreeNodes() async {
        #expect(await runSeeds(Array(SeedBudget.threeNodeSeeds), nodes: 3).isEmpty)
    }

    @Test func fixedSeedsFiveNodes() async {
        #expect(await runSeeds(Array(SeedBudget.fiveNodeSeeds), nodes: 5).isEmpty)
    }

    @Test func freshSeeds() async {
        for nodes in [3, 5] {
            let seeds = randomSeeds()
            print("simulation: fresh seeds for \(nodes) nodes: \(seeds.map(String.init).joined(separator: ", "))")
            #expect(await runSeeds(seeds, nodes: nodes).isEmpty)
        }
    }

    @Test func runsMakeProgressUnderFaults() {
        // Guard against a simulator that passes by doing nothing.
        let results = (1...10).map { Simulation(options: SimulationOptions(seed: $0, nodeCount: 3)).run() }
        let allPassed = results.allSatisfy { $0.passed }
        let operations = results.map { $0.operations }.reduce(0, +)
        let minCommit = results.map { $0.committedIndex }.min() ?? 0
        #expect(allPassed)
        #expect(operations > 500)
        #expect(minCommit > 10)
    }
}
