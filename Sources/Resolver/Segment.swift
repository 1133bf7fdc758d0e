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
    /// The output, or nil when a reference is missing from `table` or unsafe where it lands
    /// (the caller then works out the problems on its slow path).
    @inline(__always)
    static func render(
        _ segments: UnsafeBufferPointer<Segment>, source: UnsafeRawBufferPointer, table: SecretTable
    ) -> RawOutput? {
        let entries = table.entries
        let slotCount = table.slotCount
        var total = 0
        for segment in segments {
            if segment.isLiteral {
                total &+= Int(segment.length)
                continue
            }
            guard Int(segment.slot) < slotCount else { return nil }
            let entry = entries[Int(segment.slot)]
            guard entry.isPresent, !(segment.guarded && entry.breaksHeaderLine) else { return nil }
            total &+= encodedCount(entry, segment.filters)
        }
        let start = RenderedOutput.allocate(total)
        if let start {
            let end = fill(start, segments: segments, source: source, entries: entries)
            precondition(start.distance(to: end) == total, "a render wrote other than its size")
        }
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

    @inline(__always)
    static func encodedCount(_ entry: ValueEntry, _ filters: FilterChain) -> Int {
        switch filters.count {
        case 0: return Int(entry.count)
        case 1:
            switch filters.first! {
            case .json: return Int(entry.jsonCount)
            case .url: return Int(entry.urlCount)
            case .base64: return (Int(entry.count) + 2) / 3 * 4
            }
        default:
            return applyChain(entry.bytes, filters).count
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
            var encoded = applyChain(entry.bytes, filters)
            defer { encoded.withUnsafeMutableBytes { SecretValue.zero($0) } }
            out.update(from: encoded, count: encoded.count)
            return out + encoded.count
        }
    }

    /// Runs a chain of two or more filters through temporary buffers; rare, so it may allocate.
    static func applyChain(_ input: UnsafeRawBufferPointer, _ filters: FilterChain) -> [UInt8] {
        var current = Array(input)
        for filter in filters.filters {
            let next = current.withUnsafeBytes { bytes in
                [UInt8](unsafeUninitializedCapacity: filter.encodedCount(bytes)) { buffer, initialized in
                    initialized = buffer.baseAddress!.distance(to: filter.write(bytes, to: buffer.baseAddress!))
                }
            }
            current.withUnsafeMutableBytes { SecretValue.zero($0) }
            current = next
        }
        return current
    }
}
