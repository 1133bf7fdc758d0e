import Linearizability

/// A client's write as carried in a log entry, and a read's ReadIndex context: who asked
/// (client, operation id) and what.
struct Command: Equatable {
    var client: Int
    var opID: Int
    var input: KeyValueModel.Input

    func encoded() -> [UInt8] {
        var words: [Int64] = [Int64(client), Int64(opID)]
        switch input {
        case .put(let key, let value):
            words += [1, Int64(key), Int64(value), 0, 0]
        case .get(let key):
            words += [2, Int64(key), 0, 0, 0]
        case .compareAndSet(let key, let expected, let new):
            words += [3, Int64(key), Int64(new), expected == nil ? 0 : 1, Int64(expected ?? 0)]
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 8)
        for word in words {
            var w = UInt64(bitPattern: word)
            for _ in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: w)); w >>= 8 }
        }
        return bytes
    }

    init(client: Int, opID: Int, input: KeyValueModel.Input) {
        self.client = client
        self.opID = opID
        self.input = input
    }

    init?(decoding bytes: [UInt8]) {
        guard bytes.count == 7 * 8 else { return nil }
        var words: [Int] = []
        for i in 0..<7 {
            var w: UInt64 = 0
            for b in (0..<8).reversed() { w = (w << 8) | UInt64(bytes[i * 8 + b]) }
            words.append(Int(Int64(bitPattern: w)))
        }
        client = words[0]
        opID = words[1]
        switch words[2] {
        case 1: input = .put(key: words[3], value: words[4])
        case 2: input = .get(key: words[3])
        case 3: input = .compareAndSet(key: words[3], expected: words[5] == 0 ? nil : words[6], new: words[4])
        default: return nil
        }
    }
}
