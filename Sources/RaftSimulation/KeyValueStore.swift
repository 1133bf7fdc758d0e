import Linearizability

/// The replicated state machine of the simulation: integer registers.
struct KeyValueStore: Equatable {
    private(set) var values: [Int: Int] = [:]

    mutating func apply(_ input: KeyValueModel.Input) -> KeyValueModel.Output {
        switch input {
        case .put(let key, let value):
            values[key] = value
            return .ok
        case .get(let key):
            return .value(values[key])
        case .compareAndSet(let key, let expected, let new):
            guard values[key] == expected else { return .swapped(false) }
            values[key] = new
            return .swapped(true)
        }
    }

    func read(_ key: Int) -> Int? { values[key] }

    /// Serialized as sorted (key, value) pairs so equal stores give equal bytes.
    func snapshotData() -> [UInt8] {
        var bytes: [UInt8] = []
        for key in values.keys.sorted() {
            for word in [key, values[key]!] {
                var w = UInt64(bitPattern: Int64(word))
                for _ in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: w)); w >>= 8 }
            }
        }
        return bytes
    }

    init() {}

    init(snapshotData bytes: [UInt8]) {
        var words: [Int] = []
        var i = 0
        while i + 8 <= bytes.count {
            var w: UInt64 = 0
            for b in (0..<8).reversed() { w = (w << 8) | UInt64(bytes[i + b]) }
            words.append(Int(Int64(bitPattern: w)))
            i += 8
        }
        var j = 0
        while j + 1 < words.count {
            values[words[j]] = words[j + 1]
            j += 2
        }
    }
}
