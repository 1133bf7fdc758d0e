/// SplitMix64: a tiny seeded generator so a randomized test replays from its printed seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed from RESOLVER_SEED, or a fresh one; printed either way so a failure replays.
    static func seedForTest(_ name: String) -> UInt64 {
        let seed = ProcessEnvironment.value("RESOLVER_SEED").flatMap(UInt64.init) ?? UInt64.random(in: 0 ... .max)
        print("\(name): seed \(seed) (replay with RESOLVER_SEED=\(seed))")
        return seed
    }
}

import Foundation

enum ProcessEnvironment {
    static func value(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
}
