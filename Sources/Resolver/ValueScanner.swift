/// Finds kept secret values in text: every occurrence of each subject's value, as is and as
/// the `json`, `url` and `base64` filters write it, in one pass. Built once for a set of
/// values (a table generation) and shared by every scan of it; each scan is a `ScanStream`.
public final class ValueScanner: Sendable {
    /// What each finding's `subject` indexes.
    public let subjects: [ScanSubject]
    /// Subjects not looked for: their values are shorter than `minimumValueCount` bytes.
    public let tooShort: [Int]
    public static var minimumValueCount: Int { ScanPatterns.minimumValueCount }

    let patterns: ScanPatterns
    /// Patterns of 16 bytes or more are sampled every 9 bytes (8-byte grams), shorter ones
    /// every 5 (4-byte grams); a sampler without patterns is left out.
    let samplers: [GramSampler]

    /// `values[i]` is `subjects[i]`'s value; the scanner copies what it needs.
    public init(_ values: [(subject: ScanSubject, value: SecretValue)]) {
        subjects = values.map(\.subject)
        tooShort = values.indices.filter { values[$0].value.count < ScanPatterns.minimumValueCount }
        let patterns = ScanPatterns(values: values.map(\.value))
        let long = patterns.lengths.indices.filter { patterns.lengths[$0] >= 16 }
        let short = patterns.lengths.indices.filter { patterns.lengths[$0] < 16 }
        self.patterns = patterns
        samplers = [
            long.isEmpty ? nil : GramSampler(gramLength: 8, stride: 9, patterns: long, store: patterns),
            short.isEmpty ? nil : GramSampler(gramLength: 4, stride: 5, patterns: short, store: patterns),
        ].compactMap { $0 }
    }

    /// A scan of one text, fed in pieces of any size, that reports the subjects `reports`
    /// takes (all by default: a scoped caller's scan must neither list nor count the others).
    public func makeStream(maximumFindings: Int = 10_000, reporting reports: ((ScanSubject) -> Bool)? = nil) -> ScanStream {
        ScanStream(scanner: self, maximumFindings: maximumFindings, reported: reports.map { subjects.map($0) })
    }

    /// Every finding in `text`, for tests and small inputs.
    public func findings(in text: some Collection<UInt8>) -> [ScanFinding] {
        let stream = makeStream(maximumFindings: .max)
        Array(text).withUnsafeBytes { stream.feed($0) }
        return stream.finish().findings
    }
}
