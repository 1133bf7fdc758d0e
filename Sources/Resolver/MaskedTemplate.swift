/// A template checked without any value: its problems, each with a position, and its text with
/// every known reference replaced by a mask. For showing someone who may not read values what a
/// template would send. Value-dependent checks (the header-injection guard) are not made here,
/// since their answer would tell something about a value.
public struct MaskedTemplate: Sendable {
    /// The template with each known reference replaced by its mask; unknown and malformed
    /// references stay as written.
    public let text: String
    /// Every well-formed Secrets reference, in source order.
    public let references: [SecretReference]
    /// Malformed references and unknown secrets, in source order; at most
    /// `TemplateError`'s hundred.
    public let problems: [TemplateProblem]
    /// How many problems were found past those listed.
    public let unreported: Int

    /// `mask` answers the text that stands for a reference, or nil when its secret is unknown.
    /// `limits.maxReferences` bounds the references checked, as it bounds a render's.
    public init(
        _ source: String, delimiters: Delimiters = .braces, limits: RenderLimits = .default,
        mask: (SecretReference) -> String?
    ) {
        let bytes = Array(source.utf8)
        var found = ReferenceCollector(maxReferences: limits.maxReferences)
        var problems: [TemplateProblem] = []
        bytes.withUnsafeBytes { buffer in
            guard buffer.count <= CompiledTemplate.maxSourceCount else {
                problems.append(.tooLarge)
                return
            }
            found.source = buffer
            found.positions = SourcePositions(buffer)
            TemplateScanner(source: buffer, delimiters: delimiters).scan(into: &found)
            problems = found.problems
            if let beyond = found.firstBeyondLimit {
                problems.append(.tooManyReferences(limits, at: beyond))
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var cursor = 0
        for (span, reference) in zip(found.spans, found.references) {
            guard let replacement = mask(reference) else {
                problems.append(.unknownSecret(reference.name, at: span.position))
                continue
            }
            output += bytes[cursor..<span.start]
            output += replacement.utf8
            cursor = span.end
        }
        output += bytes[cursor...]
        self.text = String(decoding: output, as: UTF8.self)
        self.references = found.references
        let sorted = problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        self.problems = Array(sorted.prefix(ProblemList.maxReported))
        self.unreported = found.unreported + sorted.count - self.problems.count
    }

    public var isClean: Bool { problems.isEmpty }
}

/// Where each reference sits in the source, with the scanner's syntax problems.
private struct ReferenceCollector: TemplateVisitor {
    struct Span {
        let start: Int
        let end: Int
        let position: SourcePosition
    }

    let maxReferences: Int
    var source = UnsafeRawBufferPointer(start: nil, count: 0)
    var positions = SourcePositions(UnsafeRawBufferPointer(start: nil, count: 0))
    var spans: [Span] = []
    var references: [SecretReference] = []
    /// Syntax problems, at most `ProblemList.maxReported`; `unreported` counts the rest.
    var problems: [TemplateProblem] = []
    var unreported = 0
    /// The first reference past `maxReferences`, which is where checking stopped.
    var firstBeyondLimit: SourcePosition?

    init(maxReferences: Int) { self.maxReferences = maxReferences }

    mutating func literal(start: Int, end: Int) {}

    mutating func reference(_ scanned: ScannedReference) {
        guard references.count < maxReferences else {
            if firstBeyondLimit == nil { firstBeyondLimit = positions.position(at: scanned.start) }
            return
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: source[scanned.nameStart..<scanned.nameEnd]), as: UTF8.self)
        let position = positions.position(at: scanned.start)
        spans.append(Span(start: scanned.start, end: scanned.end, position: position))
        references.append(SecretReference(name: name, filters: scanned.filters.filters,
                                          line: position.line, column: position.column))
    }

    mutating func problem(_ scanned: ScannedProblem) {
        guard problems.count < ProblemList.maxReported else {
            unreported += 1
            return
        }
        problems.append(TemplateProblem(scanned, at: positions.position(at: scanned.offset)))
    }
}
