/// Which operations of a partition are already linearized; the search cache key.
struct Bitset: Hashable {
    private var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    func contains(_ i: Int) -> Bool { words[i / 64] & (1 << UInt64(i % 64)) != 0 }
    mutating func insert(_ i: Int) { words[i / 64] |= 1 << UInt64(i % 64) }
    mutating func remove(_ i: Int) { words[i / 64] &= ~(1 << UInt64(i % 64)) }
}
