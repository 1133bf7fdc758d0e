/// Maps case-folded secret names to slots: an open-addressing hash table over a byte arena,
/// immutable once built. A slot, once given to a name, is that name's for the life of the
/// catalog, so a compiled template can hold slots instead of names and render without hashing.
final class NameIndex: @unchecked Sendable {
    /// Names as first written, by slot.
    let displayNames: [String]
    private let seed: UInt64
    private let arena: UnsafeMutableRawBufferPointer           // folded names, back to back
    private let buckets: UnsafeMutableBufferPointer<Bucket>
    private let mask: Int
    /// 64 minus log2 of the bucket count: a hash's top bits pick its first bucket.
    private let shift: UInt64

    struct Bucket {
        var hash: UInt64
        var slotPlusOne: Int32                  // 0 marks an empty bucket
        var length: Int32
        var offset: Int                         // of the folded name in the arena
    }

    static func empty(seed: UInt64) -> NameIndex {
        NameIndex(seed: seed, displayNames: [])
    }

    private init(seed: UInt64, displayNames: [String]) {
        self.seed = seed
        self.displayNames = displayNames
        arena = .allocate(byteCount: max(displayNames.reduce(0) { $0 + $1.utf8.count }, 1), alignment: 8)
        // A quarter full at most, so a lookup nearly always finds its name in the first bucket.
        var capacity = 16
        while capacity < displayNames.count * 4 { capacity *= 2 }
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        buckets = .allocate(capacity: capacity)
        buckets.initialize(repeating: Bucket(hash: 0, slotPlusOne: 0, length: 0, offset: 0))
        var offset = 0
        for (slot, name) in displayNames.enumerated() {
            let start = offset
            for byte in name.utf8 {
                arena[offset] = ASCII.fold(byte)
                offset += 1
            }
            let folded = UnsafeRawBufferPointer(rebasing: arena[start..<offset])
            let hash = Self.hash(folded, seed: seed)
            var position = Int(truncatingIfNeeded: hash >> shift)
            while buckets[position].slotPlusOne != 0 { position = (position + 1) & mask }
            buckets[position] = Bucket(hash: hash, slotPlusOne: Int32(slot + 1), length: Int32(folded.count), offset: start)
        }
    }

    deinit {
        buckets.deallocate()
        arena.deallocate()
    }

    var count: Int { displayNames.count }

    /// A new index with `names` (valid, not yet present, distinct when folded) given the next slots.
    func adding(_ names: [String]) -> NameIndex {
        names.isEmpty ? self : NameIndex(seed: seed, displayNames: displayNames + names)
    }

    /// The slot of a name given as raw bytes of the name alphabet, in any case.
    @inline(__always)
    func slot(of name: UnsafeRawBufferPointer) -> Int? {
        lookup.slot(of: name)
    }

    func slot(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { slot(of: UnsafeRawBufferPointer($0)) }
    }

    /// The index's storage as a plain value, for a render loop that looks up several names:
    /// no reference counting, no bounds checks. Valid while the index is alive.
    var lookup: Lookup {
        Lookup(seed: seed, arena: UnsafeRawPointer(arena.baseAddress!), buckets: UnsafePointer(buckets.baseAddress!), mask: mask, shift: shift)
    }

    struct Lookup {
        let seed: UInt64
        let arena: UnsafeRawPointer
        let buckets: UnsafePointer<Bucket>
        let mask: Int
        let shift: UInt64

        @inline(__always)
        func slot(of name: UnsafeRawBufferPointer) -> Int? {
            let count = name.count
            guard count >= 8, count <= 24 else { return slotOfAnyLength(name) }
            // The usual name, 8 to 24 bytes: its words (the first, the second if there are more
            // than 16 bytes, the last eight) give both the hash (the value `hash` computes) and
            // the comparison, with no loop.
            let head = NameIndex.foldedWord(name, at: 0)
            let middle = count > 16 ? NameIndex.foldedWord(name, at: 8) : 0
            let tail = NameIndex.foldedWord(name, at: count &- 8)
            var hash = NameIndex.step(seed ^ UInt64(truncatingIfNeeded: count), head)
            if count > 16 { hash = NameIndex.step(hash, middle) }
            if count > 8 { hash = NameIndex.step(hash, tail) }
            var position = Int(truncatingIfNeeded: hash >> shift)
            while true {
                let bucket = buckets[position]
                if bucket.slotPlusOne == 0 { return nil }
                if bucket.hash == hash, Int(bucket.length) == count,
                   arena.loadUnaligned(fromByteOffset: bucket.offset, as: UInt64.self) == head,
                   arena.loadUnaligned(fromByteOffset: bucket.offset &+ count &- 8, as: UInt64.self) == tail,
                   count <= 16 || arena.loadUnaligned(fromByteOffset: bucket.offset &+ 8, as: UInt64.self) == middle {
                    return Int(bucket.slotPlusOne) &- 1
                }
                position = (position &+ 1) & mask
            }
        }

        private func slotOfAnyLength(_ name: UnsafeRawBufferPointer) -> Int? {
            let hash = NameIndex.hash(name, seed: seed)
            var position = Int(truncatingIfNeeded: hash >> shift)
            while true {
                let bucket = buckets[position]
                if bucket.slotPlusOne == 0 { return nil }
                if bucket.hash == hash, Int(bucket.length) == name.count,
                   NameIndex.foldedEqual(name, UnsafeRawBufferPointer(start: arena + bucket.offset, count: name.count)) {
                    return Int(bucket.slotPlusOne) &- 1
                }
                position = (position &+ 1) & mask
            }
        }
    }

    /// A seeded multiplicative hash over the folded name, eight bytes at a time (rotate, xor,
    /// multiply per word, as rustc's FxHash); a name's last partial word is read as the eight
    /// bytes that end it (overlapping the word before), and a name shorter than eight as two
    /// overlapping four-byte reads, so no byte loop runs for names of four bytes or more.
    /// Buckets take the top bits, which every input bit reaches through the multiplies. It
    /// need not resist chosen names: only administrators name secrets, and a bad spread
    /// costs probes, never a wrong answer.
    @inline(__always)
    static func hash(_ name: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let count = name.count
        var hash = seed ^ UInt64(truncatingIfNeeded: count)
        if count >= 8 {
            var index = 0
            while index &+ 8 <= count {
                hash = step(hash, foldedWord(name, at: index))
                index &+= 8
            }
            if index < count { hash = step(hash, foldedWord(name, at: count &- 8)) }
        } else if count >= 4 {
            let low = UInt64(foldedHalf(name, at: 0)), high = UInt64(foldedHalf(name, at: count &- 4))
            hash = step(hash, low | high << 32)
        } else {
            var word: UInt64 = 0
            for index in 0..<count { word |= UInt64(name[index] | 0x20) << (8 * UInt64(index)) }
            hash = step(hash, word)
        }
        return hash
    }

    @inline(__always)
    static func step(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        ((hash << 5 | hash >> 59) ^ word) &* 0x517C_C1B7_2722_0A95
    }

    @inline(__always)
    static func foldedWord(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) | 0x2020_2020_2020_2020
    }

    @inline(__always)
    private static func foldedHalf(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) | 0x2020_2020
    }

    @inline(__always)
    private static func word(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    private static func half(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Compares a name (any case) with a folded one of the same length, with the same
    /// overlapping reads as `hash`.
    @inline(__always)
    static func foldedEqual(_ name: UnsafeRawBufferPointer, _ folded: UnsafeRawBufferPointer) -> Bool {
        let count = name.count
        if count >= 8 {
            var index = 0
            while index &+ 8 <= count {
                if foldedWord(name, at: index) != word(folded, at: index) { return false }
                index &+= 8
            }
            return index == count || foldedWord(name, at: count &- 8) == word(folded, at: count &- 8)
        }
        if count >= 4 {
            return foldedHalf(name, at: 0) == half(folded, at: 0)
                && foldedHalf(name, at: count &- 4) == half(folded, at: count &- 4)
        }
        for index in 0..<count where name[index] | 0x20 != folded[index] { return false }
        return true
    }
}
