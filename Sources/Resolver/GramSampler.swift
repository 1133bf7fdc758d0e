#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds candidate occurrences of patterns at least `gramLength + stride - 1` long by looking
/// at the text only every `stride` bytes (the sampled q-gram method of Wu–Manber's family).
///
/// Each pattern has an anchor: a window of that minimum length at offset `a` inside it. An
/// occurrence at `s` holds its window at `s + a`, which covers exactly one sampled position
/// `t` in `s + a ..< s + a + stride`, and the gram there is the pattern's gram at offset
/// `t - s`. So each pattern registers its grams at offsets `a ..< a + stride`; a sampled gram
/// that hits the bit filter is looked up in buckets of (pattern, offset) and each candidate
/// is compared in full. Anchors are chosen where the buckets are emptiest, so values that
/// share a prefix (PEM headers, `sk_live_`) do not all land in one bucket. Nothing here keeps
/// a gram itself: the filter holds bits of its hash, the buckets indexes into the patterns.
final class GramSampler: @unchecked Sendable {
    let gramLength: Int
    let stride: Int
    /// The longest pattern this sampler owns: how far past a sampled position a match may end.
    let maximumLength: Int
    /// The largest registered offset: how far before a sampled position a match may start.
    let maximumOffset: Int
    /// Where the filter, heads and entries live (bits of value hashes: out of core dumps).
    private let memory: ScanMemory
    private let filter: UnsafeMutableBufferPointer<UInt64>
    private let filterShift: UInt64
    /// Bucket `b`'s entries are `entries[heads[b] ..< heads[b + 1]]`.
    private let heads: UnsafeMutableBufferPointer<UInt32>
    private let bucketShift: UInt64
    /// Pattern index in the high 32 bits, the gram's offset in the pattern in the low 32.
    private let entries: UnsafeMutableBufferPointer<UInt64>

    private static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Anchor positions tried per pattern, spread over where its window can start.
    private static let anchorChoices = 16

    /// `patterns` indexes into `store`; each is at least `gramLength + stride - 1` long.
    init(gramLength: Int, stride: Int, patterns: [Int], store: ScanPatterns) {
        precondition(gramLength == 4 || gramLength == 8)
        let window = gramLength + stride - 1
        self.gramLength = gramLength
        self.stride = stride
        maximumLength = patterns.map { store.lengths[$0] }.max() ?? 0

        let bucketBits = Self.bits(atLeast: patterns.count * stride, minimum: 4, maximum: 24)
        let filterBits = Self.bits(atLeast: patterns.count * stride * 16, minimum: 12, maximum: 26)
        let bucketShift = UInt64(64 - bucketBits)
        self.bucketShift = bucketShift
        filterShift = UInt64(64 - filterBits)

        var load = [UInt32](repeating: 0, count: 1 << bucketBits)
        var keyed: [(hash: UInt64, entry: UInt64)] = []
        keyed.reserveCapacity(patterns.count * stride)
        var maximumOffset = 0
        for pattern in patterns {
            let length = store.lengths[pattern]
            precondition(length >= window)
            let start = store.base + store.starts[pattern]
            let last = length - window
            let choices = last < Self.anchorChoices ? Array(0...last)
                : (0..<Self.anchorChoices).map { $0 * last / (Self.anchorChoices - 1) }
            var best = 0, bestLoad = UInt64.max
            for anchor in choices {
                var total: UInt64 = 0
                for offset in anchor..<anchor + stride {
                    total += UInt64(load[Int(Self.hash(Self.gram(at: start + offset, length: gramLength)) >> bucketShift)])
                }
                if total < bestLoad { (best, bestLoad) = (anchor, total) }
            }
            for offset in best..<best + stride {
                let hash = Self.hash(Self.gram(at: start + offset, length: gramLength))
                load[Int(hash >> bucketShift)] += 1
                keyed.append((hash, UInt64(pattern) << 32 | UInt64(offset)))
            }
            maximumOffset = max(maximumOffset, best + stride - 1)
        }
        self.maximumOffset = maximumOffset

        let filterWords = 1 << (filterBits - 6), headCount = (1 << bucketBits) + 1, entryCount = max(keyed.count, 1)
        memory = ScanMemory(byteCount: 8 * filterWords + 8 * entryCount + 4 * headCount)
        let region = memory.bytes.baseAddress!
        filter = UnsafeMutableBufferPointer(start: region.bindMemory(to: UInt64.self, capacity: filterWords), count: filterWords)
        entries = UnsafeMutableBufferPointer(start: (region + 8 * filterWords).bindMemory(to: UInt64.self, capacity: entryCount),
                                             count: entryCount)
        heads = UnsafeMutableBufferPointer(start: (region + 8 * (filterWords + entryCount)).bindMemory(to: UInt32.self, capacity: headCount),
                                           count: headCount)
        for (hash, _) in keyed {
            let bit = hash >> filterShift
            filter[Int(bit >> 6)] |= 1 << (bit & 63)
            heads[Int(hash >> bucketShift) + 1] += 1
        }
        for bucket in 1..<heads.count { heads[bucket] += heads[bucket - 1] }
        var filled = Array(heads.dropLast())
        for (hash, entry) in keyed {
            let bucket = Int(hash >> bucketShift)
            entries[Int(filled[bucket])] = entry
            filled[bucket] += 1
        }
    }


    /// Checks the sampled positions from `next` (a multiple of `stride`) through `last`, in
    /// text that holds bytes `textStart ..< textEnd` at `text`, and appends each occurrence
    /// found as (offset, pattern). Returns the next position to sample.
    ///
    /// The caller keeps `maximumOffset` bytes before `next` in the text, and passes a `last`
    /// no later than `textEnd - gramLength`.
    func sample(_ text: UnsafeRawPointer, textStart: UInt64, textEnd: UInt64, from next: UInt64, through last: UInt64,
                patterns: ScanPatterns, into found: inout [(offset: UInt64, pattern: Int)]) -> UInt64 {
        var position = next
        let filter = UnsafePointer(self.filter.baseAddress!)
        let shift = filterShift
        let step = UInt64(stride)
        let eight = gramLength == 8
        while position <= last {
            let at = text + Int(position - textStart)
            let hash = Self.hash(eight ? at.loadUnaligned(as: UInt64.self) : UInt64(at.loadUnaligned(as: UInt32.self)))
            let bit = hash >> shift
            if filter[Int(bit >> 6)] & (1 << (bit & 63)) != 0 {
                candidates(at: position, hash: hash, text, textStart: textStart, textEnd: textEnd, patterns: patterns, into: &found)
            }
            position += step
        }
        return position
    }

    private func candidates(at position: UInt64, hash: UInt64, _ text: UnsafeRawPointer, textStart: UInt64, textEnd: UInt64,
                            patterns: ScanPatterns, into found: inout [(offset: UInt64, pattern: Int)]) {
        let bucket = Int(hash >> bucketShift)
        for index in Int(heads[bucket])..<Int(heads[bucket + 1]) {
            let entry = entries[index]
            let pattern = Int(entry >> 32), offset = entry & 0xFFFF_FFFF
            guard position >= offset else { continue }
            let start = position - offset
            let length = patterns.lengths[pattern]
            guard start >= textStart, start + UInt64(length) <= textEnd else { continue }
            if memcmp(text + Int(start - textStart), patterns.base + patterns.starts[pattern], length) == 0 {
                found.append((start, pattern))
            }
        }
    }

    private static func gram(at pointer: UnsafeRawPointer, length: Int) -> UInt64 {
        length == 8 ? pointer.loadUnaligned(as: UInt64.self) : UInt64(pointer.loadUnaligned(as: UInt32.self))
    }

    @inline(__always)
    private static func hash(_ gram: UInt64) -> UInt64 { gram &* multiplier }

    private static func bits(atLeast count: Int, minimum: Int, maximum: Int) -> Int {
        var bits = minimum
        while bits < maximum, 1 << bits < count { bits += 1 }
        return bits
    }
}
