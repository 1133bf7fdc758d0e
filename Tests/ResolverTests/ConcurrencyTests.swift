import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
import Resolver

@Suite("Table swaps under concurrent renders")
struct ConcurrencyTests {
    /// Writers install generation g with A = "A<g>" and B = "B<g>"; every render on every
    /// thread must pair A and B of one generation, the one it reports.
    @Test func everyRenderUsesExactlyOneGeneration() throws {
        let catalog = SecretCatalog()
        @Sendable func values(_ generation: UInt64) throws -> [SecretChange] {
            [.set(name: "A", value: try SecretValue(Array("A\(generation)".utf8))),
             .set(name: "B", value: try SecretValue(Array("B\(generation)".utf8)))]
        }
        try catalog.apply(values(1), generation: 1)
        let template = Array("{{Secrets.A}}:{{Secrets.b}}".utf8)
        let compiled = try CompiledTemplate(template, table: catalog.current)
        let finalGeneration: UInt64 = 3_000
        let done = Atomic<Bool>(false)
        let renders = Atomic<Int>(0)
        let mismatches = Atomic<Int>(0)
        let generationsSeen = Mutex<Set<UInt64>>([])

        // Readers are threads of their own, not pool work: on a busy machine a pool may run
        // its work items one after another, and then no render would overlap a swap.
        let finished = DispatchSemaphore(value: 0)
        let readers = 4
        for worker in 1...readers {
            let thread = Thread {
                var seen = Set<UInt64>()
                var last: UInt64 = 0
                repeat {
                    let table = catalog.current
                    let output = worker % 2 == 0 ? try! compiled.render(with: table) : try! table.render(template)
                    let text = String(decoding: output.bytes, as: UTF8.self)
                    if text != "A\(output.generation):B\(output.generation)" || output.generation < last {
                        mismatches.add(1, ordering: .relaxed)
                    }
                    last = output.generation
                    seen.insert(output.generation)
                    renders.add(1, ordering: .relaxed)
                } while !done.load(ordering: .acquiring)
                generationsSeen.withLock { $0.formUnion(seen) }
                finished.signal()
            }
            thread.start()
        }
        // The writer waits for renders before the first swap and every 500 swaps, so renders
        // surely overlap swaps; the waits are bounded so a starved run still ends.
        func awaitRenders(beyond count: Int) {
            let deadline = ContinuousClock.now + .seconds(10)
            while renders.load(ordering: .relaxed) <= count, ContinuousClock.now < deadline { sched_yield() }
        }
        awaitRenders(beyond: 0)
        for generation in 2...finalGeneration {
            if generation % 500 == 0 { awaitRenders(beyond: renders.load(ordering: .relaxed) + 4) }
            try catalog.apply(values(generation), generation: generation)
        }
        done.store(true, ordering: .releasing)
        for _ in 1...readers { finished.wait() }
        #expect(mismatches.load(ordering: .relaxed) == 0)
        #expect(renders.load(ordering: .relaxed) > 0)
        #expect(catalog.current.generation == finalGeneration)
        #expect(try compiled.render(with: catalog.current).bytes == Array("A3000:B3000".utf8))
        #expect(generationsSeen.withLock { $0.count } > 1, "renders should have run across several swaps")
    }
}
