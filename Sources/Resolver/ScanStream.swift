#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One scan of one text, fed in pieces as they arrive; `finish` gives what was found.
/// The text may itself hold secret values, so its buffer is zeroed when the stream goes.
public final class ScanStream {
    public struct Result: Sendable {
        /// The first `maximumFindings` occurrences, by offset.
        public let findings: [ScanFinding]
        /// Every occurrence, including those past `maximumFindings`.
        public let total: Int
        public let bytes: UInt64
    }

    private let scanner: ValueScanner
    private let maximumFindings: Int
    /// Per subject, whether it is reported (nil: all are).
    private let reported: [Bool]?
    private var buffer: UnsafeMutableRawBufferPointer
    /// The text's offset of `buffer[0]`, and how many bytes the buffer holds.
    private var bufferStart: UInt64 = 0
    private var bufferCount = 0
    /// Bytes before this are done with: no later match can start there.
    private var keepFrom: UInt64 = 0
    /// Per sampler, the next position it looks at.
    private var nexts: [UInt64]
    /// Line feeds before `countedTo`, and where the line that holds `countedTo` starts.
    private var countedTo: UInt64 = 0
    private var lineFeeds: UInt64 = 0
    private var lineStart: UInt64 = 0
    private var findings: [ScanFinding] = []
    /// Per subject, where its last reported finding ends.
    private var coveredUntil: [Int32: UInt64] = [:]
    /// Matches found but not yet reported, by offset.
    private var waiting: [(offset: UInt64, pattern: Int)] = []
    private var total = 0
    private var finished = false

    init(scanner: ValueScanner, maximumFindings: Int, reported: [Bool]?) {
        self.scanner = scanner
        self.maximumFindings = maximumFindings
        self.reported = reported
        nexts = Array(repeating: 0, count: scanner.samplers.count)
        let longest = scanner.samplers.map { $0.maximumLength + $0.maximumOffset }.max() ?? 0
        buffer = .allocate(byteCount: max(1 << 20, 2 * longest + (64 << 10)), alignment: 16)
    }

    deinit {
        explicit_bzero(buffer.baseAddress!, buffer.count)
        buffer.deallocate()
    }

    /// The next bytes of the text.
    public func feed(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "a finished scan takes no more text")
        var rest = bytes
        while !rest.isEmpty {
            if bufferCount == buffer.count { makeRoom() }
            let taken = min(rest.count, buffer.count - bufferCount)
            (buffer.baseAddress! + bufferCount).copyMemory(from: rest.baseAddress!, byteCount: taken)
            bufferCount += taken
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            process(final: false)
        }
    }

    /// Looks at what is left and gives the findings.
    public func finish() -> Result {
        if !finished {
            process(final: true)
            finished = true
        }
        return Result(findings: findings, total: total, bytes: bufferStart + UInt64(bufferCount))
    }

    /// Drops the bytes before `keepFrom`, or grows the buffer when none can go.
    private func makeRoom() {
        let dropped = Int(keepFrom - bufferStart)
        if dropped > 0 {
            let base = buffer.baseAddress!
            memmove(base, base + dropped, bufferCount - dropped)
            explicit_bzero(base + bufferCount - dropped, dropped)
            bufferCount -= dropped
            bufferStart = keepFrom
        } else {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: bufferCount)
            explicit_bzero(buffer.baseAddress!, buffer.count)
            buffer.deallocate()
            buffer = larger
        }
    }

    private func process(final: Bool) {
        let end = bufferStart + UInt64(bufferCount)
        let text = UnsafeRawPointer(buffer.baseAddress!)
        var found: [(offset: UInt64, pattern: Int)] = []
        for (index, sampler) in scanner.samplers.enumerated() {
            // Until the end, a sampled position is looked at once every match through it fits.
            let reach = UInt64(final ? sampler.gramLength : max(sampler.maximumLength, sampler.gramLength))
            guard end >= reach, nexts[index] <= end - reach else { continue }
            nexts[index] = sampler.sample(text, textStart: bufferStart, textEnd: end, from: nexts[index], through: end - reach,
                                          patterns: scanner.patterns, into: &found)
        }
        // A later match starts no earlier than a sampler's largest offset before its next position.
        var keep = end
        for (index, sampler) in scanner.samplers.enumerated() {
            let back = UInt64(sampler.maximumOffset)
            keep = min(keep, nexts[index] >= back ? nexts[index] - back : 0)
        }
        keep = max(keep, bufferStart)
        // Samplers run apart, so a match found now may lie past one another finds later:
        // matches are reported (and lines counted) only up to where none can still come before.
        waiting += found
        waiting.sort { $0.offset != $1.offset ? $0.offset < $1.offset : $0.pattern < $1.pattern }
        let ready = final ? waiting.count : waiting.partitioningIndex { $0.offset >= keep }
        var group = 0
        while group < ready {
            let offset = waiting[group].offset
            var end = group
            while end < ready, waiting[end].offset == offset { end += 1 }
            countLines(to: offset)
            report(at: offset, patterns: waiting[group..<end].map(\.pattern))
            group = end
        }
        waiting.removeFirst(ready)
        if !scanner.samplers.isEmpty { countLines(to: keep) }
        keepFrom = keep
    }

    /// One finding per subject whose value starts at `offset`: the longest form found there
    /// (a value ending in a backslash is also a prefix of its json form; that is one
    /// occurrence), unless an earlier finding of that subject holds it whole (a value starting
    /// with a quote is inside its json form).
    private func report(at offset: UInt64, patterns: [Int]) {
        var longest: [(subject: Int32, encoding: ScanEncoding, length: Int)] = []
        for pattern in patterns {
            let length = scanner.patterns.lengths[pattern]
            for owner in scanner.patterns.owners[pattern] where reported?[Int(owner.subject)] ?? true {
                if let kept = longest.firstIndex(where: { $0.subject == owner.subject }) {
                    if longest[kept].length < length { longest[kept] = (owner.subject, owner.encoding, length) }
                } else {
                    longest.append((owner.subject, owner.encoding, length))
                }
            }
        }
        longest.sort { $0.subject < $1.subject }
        for found in longest {
            let end = offset + UInt64(found.length)
            if let covered = coveredUntil[found.subject], end <= covered { continue }
            coveredUntil[found.subject] = end
            total += 1
            guard findings.count < maximumFindings else { continue }
            findings.append(ScanFinding(offset: offset, line: lineFeeds + 1, column: offset - lineStart + 1, length: found.length,
                                        subject: Int(found.subject), encoding: found.encoding))
        }
    }

    private func countLines(to offset: UInt64) {
        guard offset > countedTo else { return }
        let start = UnsafeRawPointer(buffer.baseAddress!) + Int(countedTo - bufferStart)
        let count = Int(offset - countedTo)
        let feeds = NewlineCounter.count(start, count)
        if feeds > 0 {
            lineFeeds += UInt64(feeds)
            lineStart = countedTo + UInt64(NewlineCounter.last(start, count)!) + 1
        }
        countedTo = offset
    }
}

extension Array {
    /// The index of the first element for which `isAfter` holds, in an array where it holds
    /// for a suffix.
    func partitioningIndex(where isAfter: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
