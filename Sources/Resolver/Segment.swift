/// One piece of a compiled template: a run of source bytes to copy, or a reference to a slot.
struct Segment {
    /// A literal's first byte, or a reference's opening delimiter (for error positions).
    var start: Int32
    /// A literal's length.
    var length: Int32
    /// The secret's slot; -1 for a literal.
    var slot: Int32
    var filters: FilterChain
    /// The header guard applies and no filter makes the value safe.
    var guarded: Bool

    init(start: Int32, length: Int32, slot: Int32, guarded: Bool, filters: FilterChain) {
        self.start = start
        self.length = length
        self.slot = slot
        self.filters = filters
        self.guarded = guarded
    }

    static func literal(start: Int, end: Int) -> Segment {
        Segment(start: Int32(start), length: Int32(end - start), slot: -1, guarded: false, filters: FilterChain())
    }

    var isLiteral: Bool { slot < 0 }
}

/// The render loop, shared by compiled and one-shot rendering: a first pass sizes the
/// output and checks every reference, a second fills one fresh buffer.
enum SegmentRenderer {
    /// The output, or nil when a reference is missing from `table` or unsafe where it lands,
    /// or the output would pass the table's limit (the caller then works out the problems on
    /// its slow path). The size is known before anything is allocated.
    @inline(__always)
    static func render(
        _ segments: UnsafeBufferPointer<Segment>, source: UnsafeRawBufferPointer, table: SecretTable
    ) -> RawOutput? {
        let entries = table.entries
        let slotCount = table.slotCount
        let limit = table.limits.maxOutputBytes
        var total = 0
        for segment in segments {
            if segment.isLiteral {
                total &+= Int(segment.length)          // literals add up to at most the template's size
                continue
            }
            guard Int(segment.slot) < slotCount else { return nil }
            let entry = entries[Int(segment.slot)]
            guard entry.isPresent, !(segment.guarded && entry.breaksHeaderLine) else { return nil }
            total &+= encodedCount(entry, segment.filters, budget: limit &- total)
            guard total <= limit else { return nil }
        }
        guard total <= limit, let start = RenderedOutput.allocate(total) else { return nil }
        let end = fill(start, segments: segments, source: source, entries: entries)
        precondition(start.distance(to: end) == total, "a render wrote other than its size")
        return RawOutput(start: start, count: total)
    }

    /// Fills `out`, which has room for exactly the output, from checked segments.
    @inline(__always)
    static func fill(
        _ out: UnsafeMutablePointer<UInt8>, segments: UnsafeBufferPointer<Segment>, source: UnsafeRawBufferPointer,
        entries: UnsafeMutableBufferPointer<ValueEntry>
    ) -> UnsafeMutablePointer<UInt8> {
        var out = out
        let base = source.baseAddress
        for segment in segments {
            if segment.isLiteral {
                out.update(from: (base! + Int(segment.start)).assumingMemoryBound(to: UInt8.self),
                           count: Int(segment.length))
                out += Int(segment.length)
            } else {
                out = write(entries[Int(segment.slot)], segment.filters, to: out)
            }
        }
        return out
    }

    /// The size of one reference's output; past `budget` (a chain of filters stops there
    /// rather than build the rest), some count above it.
    @inline(__always)
    static func encodedCount(_ entry: ValueEntry, _ filters: FilterChain, budget: Int) -> Int {
        switch filters.count {
        case 0: return Int(entry.count)
        case 1:
            switch filters.first! {
            case .json: return Int(entry.jsonCount)
            case .url: return Int(entry.urlCount)
            case .base64: return (Int(entry.count) + 2) / 3 * 4
            }
        default:
            guard var encoded = applyChain(entry.bytes, filters, limit: budget) else { return budget &+ 1 }
            defer { encoded.withUnsafeMutableBytes { SecretValue.zero($0) } }
            return encoded.count
        }
    }

    @inline(__always)
    static func write(_ entry: ValueEntry, _ filters: FilterChain, to out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        switch filters.count {
        case 0:
            ByteCopy.copy(to: out, from: entry.base!, count: Int(entry.count))
            return out + Int(entry.count)
        case 1:
            return filters.first!.write(entry.bytes, to: out)
        default:
            var encoded = applyChain(entry.bytes, filters, limit: .max)!
            defer { encoded.withUnsafeMutableBytes { SecretValue.zero($0) } }
            out.update(from: encoded, count: encoded.count)
            return out + encoded.count
        }
    }

    /// Runs a chain of two or more filters through temporary buffers; rare, so it may allocate.
    /// Nil as soon as a step's output would pass `limit` (eight filters can grow a value 6^8
    /// times): each step is sized before its buffer is made, so no buffer passes `limit`.
    /// Every intermediate buffer is zeroed before it is freed.
    static func applyChain(_ input: UnsafeRawBufferPointer, _ filters: FilterChain, limit: Int) -> [UInt8]? {
        var current = Array(input)
        for filter in filters.filters {
            let count = current.withUnsafeBytes { filter.encodedCount($0) }
            guard count <= limit else {
                current.withUnsafeMutableBytes { SecretValue.zero($0) }
                return nil
            }
            let next = current.withUnsafeBytes { bytes in
                [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                    initialized = buffer.baseAddress!.distance(to: filter.write(bytes, to: buffer.baseAddress!))
                }
            }
            current.withUnsafeMutableBytes { SecretValue.zero($0) }
            current = next
        }
        return current
    }
}
