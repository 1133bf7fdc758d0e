/// Maps case-folded secret names to slots: an open-addressing hash table over a byte arena,
/// immutable once built. A slot, once given to a name, is that name's for the life of the
/// catalog, so a compiled template can hold slots instead of names and render without hashing.
final class NameIndex: @unchecked Sendable {
    /// Names as first written, by slot.
    let displayNames: [String]
    private let seed: UInt64
    private let arena: [UInt8]                  // folded names, back to back
    private let offsets: [Int]                  // slot -> start in arena; one extra at the end
    private let buckets: UnsafeMutableBufferPointer<Bucket>
    private let mask: Int

    private struct Bucket {
        var hash: UInt64
        var slotPlusOne: Int32                  // 0 marks an empty bucket
    }

    static func empty(seed: UInt64) -> NameIndex {
        NameIndex(seed: seed, displayNames: [])
    }

    private init(seed: UInt64, displayNames: [String]) {
        self.seed = seed
        self.displayNames = displayNames
        var arena: [UInt8] = []
        var offsets: [Int] = [0]
        for name in displayNames {
            arena.append(contentsOf: name.utf8.map(ASCII.fold))
            offsets.append(arena.count)
        }
        self.arena = arena
        self.offsets = offsets
        var capacity = 16
        while capacity < displayNames.count * 2 { capacity *= 2 }
        mask = capacity - 1
        buckets = .allocate(capacity: capacity)
        buckets.initialize(repeating: Bucket(hash: 0, slotPlusOne: 0))
        arena.withUnsafeBytes { arenaBytes in
            for slot in displayNames.indices {
                let name = UnsafeRawBufferPointer(rebasing: arenaBytes[offsets[slot]..<offsets[slot + 1]])
                let hash = Self.hash(name, seed: seed)
                var position = Int(truncatingIfNeeded: hash) & mask
                while buckets[position].slotPlusOne != 0 { position = (position + 1) & mask }
                buckets[position] = Bucket(hash: hash, slotPlusOne: Int32(slot + 1))
            }
        }
    }

    deinit { buckets.deallocate() }

    var count: Int { displayNames.count }

    /// A new index with `names` (valid, not yet present, distinct when folded) given the next slots.
    func adding(_ names: [String]) -> NameIndex {
        names.isEmpty ? self : NameIndex(seed: seed, displayNames: displayNames + names)
    }

    /// The slot of a name given as raw bytes of the name alphabet, in any case.
    @inline(__always)
    func slot(of name: UnsafeRawBufferPointer) -> Int? {
        let hash = Self.hash(name, seed: seed)
        var position = Int(truncatingIfNeeded: hash) & mask
        return arena.withUnsafeBytes { arenaBytes in
            while true {
                let bucket = buckets[position]
                if bucket.slotPlusOne == 0 { return nil }
                if bucket.hash == hash {
                    let slot = Int(bucket.slotPlusOne) - 1
                    let start = offsets[slot], end = offsets[slot + 1]
                    if end - start == name.count,
                       Self.foldedEqual(name, UnsafeRawBufferPointer(rebasing: arenaBytes[start..<end])) {
                        return slot
                    }
                }
                position = (position + 1) & mask
            }
        }
    }

    func slot(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { slot(of: UnsafeRawBufferPointer($0)) }
    }

    /// A seeded multiply-xorshift hash over the folded name, eight bytes at a time; a name's
    /// last partial word is read as the eight bytes that end it (overlapping the word before),
    /// and a name shorter than eight as two overlapping four-byte reads, so no byte loop runs
    /// for names of four bytes or more.
    @inline(__always)
    static func hash(_ name: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let count = name.count
        var hash = seed ^ (UInt64(count) &* 0x9E37_79B9_7F4A_7C15)
        if count >= 8 {
            var index = 0
            while index + 8 <= count {
                hash = mix(hash ^ foldedWord(name, at: index))
                index += 8
            }
            if index < count { hash = mix(hash ^ foldedWord(name, at: count - 8)) }
        } else if count >= 4 {
            let low = UInt64(foldedHalf(name, at: 0)), high = UInt64(foldedHalf(name, at: count - 4))
            hash = mix(hash ^ (low | high << 32))
        } else {
            var word: UInt64 = 0
            for index in 0..<count { word |= UInt64(name[index] | 0x20) << (8 * UInt64(index)) }
            hash = mix(hash ^ word)
        }
        return mix(hash)
    }

    @inline(__always)
    private static func foldedWord(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
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

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 31
        return x &* 0x94D0_49BB_1331_11EB
    }

    /// Compares a name (any case) with a folded one of the same length, with the same
    /// overlapping reads as `hash`.
    @inline(__always)
    private static func foldedEqual(_ name: UnsafeRawBufferPointer, _ folded: UnsafeRawBufferPointer) -> Bool {
        let count = name.count
        if count >= 8 {
            var index = 0
            while index + 8 <= count {
                if foldedWord(name, at: index) != word(folded, at: index) { return false }
                index += 8
            }
            return index == count || foldedWord(name, at: count - 8) == word(folded, at: count - 8)
        }
        if count >= 4 {
            return foldedHalf(name, at: 0) == half(folded, at: 0)
                && foldedHalf(name, at: count - 4) == half(folded, at: count - 4)
        }
        for index in 0..<count where name[index] | 0x20 != folded[index] { return false }
        return true
    }
}
