#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-pass render of a template that was never compiled: find each opening delimiter
/// with memchr, read a plain reference, look its name up, and copy the literal before it
/// and the value into one fresh buffer, as a hand-written C resolver does.
///
/// It renders only what it can decide alone: plain references to present values, and text
/// that is no secret reference. A filter, a problem, an unknown name, a value the header
/// guard must judge, or output that outgrows the buffer gives up (nil), and the caller takes
/// a path that handles everything. The buffer is the output's own, as in C: allocated once
/// at the template's size plus some room, never grown or trimmed.
enum StreamingRender {
    /// Room past the template's own size for values longer than the references they replace.
    static let slack = 256

    static func render(
        _ template: UnsafeRawBufferPointer, table: SecretTable, delimiters: Delimiters, placement: Placement
    ) -> RawOutput? {
        guard template.baseAddress != nil else { return nil }
        return delimiters.open.withUnsafeBytes { open in
            delimiters.close.withUnsafeBytes { close in
                let pass = Pass(source: template, open: open, close: close, names: table.index.lookup,
                                entries: UnsafePointer(table.entries.baseAddress!), slotCount: table.slotCount,
                                guardsValues: placement != .body, maxReferences: table.limits.maxReferences)
                // Never more than the table's output limit: a render that needs more gives up here.
                let capacity = min(template.count &+ slack, table.limits.maxOutputBytes)
                guard let out = RenderedOutput.allocate(capacity) else { return nil }
                let written = pass.write(into: out, capacity: capacity)
                guard written >= 0 else {
                    RenderedOutput.discard(out)
                    return nil
                }
                return RawOutput(start: out, count: written)
            }
        }
    }

    /// Everything the loop reads, as plain values: no reference counting inside it.
    private struct Pass {
        let source: UnsafeRawBufferPointer
        let open: UnsafeRawBufferPointer
        let close: UnsafeRawBufferPointer
        let names: NameIndex.Lookup
        let entries: UnsafePointer<ValueEntry>
        let slotCount: Int
        /// Whether a value that could break a header line is left to the path that knows where the head ends.
        let guardsValues: Bool
        /// Past this many references the template is left to the path that reports it.
        let maxReferences: Int

        /// The number of bytes written, or -1 after giving up (what was written is zeroed: it
        /// may hold values).
        @inline(__always)
        func write(into out: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
            let base = source.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let first = Int32(open[0])
            let lastStart = source.count &- open.count    // the last offset an opening delimiter fits at
            var used = 0
            var literal = 0                               // the first byte not yet copied
            var position = 0                              // where the next search starts
            var references = 0
            func giveUp() -> Int {
                SecretValue.zero(UnsafeMutableRawBufferPointer(start: out, count: used))
                return -1
            }
            while position <= lastStart {
                guard let hit = memchr(base + position, first, lastStart &+ 1 &- position) else { break }
                let start = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                position = start &+ 1
                guard ASCII.matches(open, in: source, at: start) else { continue }
                guard let reference = PlainReference.read(in: source, afterOpen: start &+ open.count, close: close) else {
                    if PlainReference.secretsWordFollows(in: source, afterOpen: start &+ open.count) { return giveUp() }
                    continue
                }
                references &+= 1
                guard references <= maxReferences else { return giveUp() }
                let name = UnsafeRawBufferPointer(rebasing: source[reference.nameStart..<reference.nameEnd])
                guard let slot = names.slot(of: name), slot < slotCount else { return giveUp() }
                let entry = entries[slot]
                let run = start &- literal
                guard entry.isPresent, !(guardsValues && entry.breaksHeaderLine),
                      used &+ run &+ Int(entry.count) <= capacity else { return giveUp() }
                memcpy(out + used, base + literal, run)
                used &+= run
                ByteCopy.copy(to: out + used, from: entry.base!, count: Int(entry.count))
                used &+= Int(entry.count)
                position = reference.end
                literal = reference.end
            }
            let tail = source.count &- literal
            guard used &+ tail <= capacity else { return giveUp() }
            memcpy(out + used, base + literal, tail)
            return used &+ tail
        }
    }
}
