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
    /// Malformed references and unknown secrets, in source order.
    public let problems: [TemplateProblem]

    /// `mask` answers the text that stands for a reference, or nil when its secret is unknown.
    public init(
        _ source: String, delimiters: Delimiters = .braces, mask: (SecretReference) -> String?
    ) {
        let bytes = Array(source.utf8)
        var found = ReferenceCollector()
        var problems: [TemplateProblem] = []
        bytes.withUnsafeBytes { buffer in
            guard buffer.count <= CompiledTemplate.maxSourceCount else {
                problems.append(.tooLarge)
                return
            }
            found.source = buffer
            TemplateScanner(source: buffer, delimiters: delimiters).scan(into: &found)
            problems = found.problems
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
        self.problems = problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
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

    var source = UnsafeRawBufferPointer(start: nil, count: 0)
    var spans: [Span] = []
    var references: [SecretReference] = []
    var problems: [TemplateProblem] = []

    mutating func literal(start: Int, end: Int) {}

    mutating func reference(_ scanned: ScannedReference) {
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: source[scanned.nameStart..<scanned.nameEnd]), as: UTF8.self)
        let position = SourcePosition(offset: scanned.start, in: source)
        spans.append(Span(start: scanned.start, end: scanned.end, position: position))
        references.append(SecretReference(name: name, filters: scanned.filters.filters,
                                          line: position.line, column: position.column))
    }

    mutating func problem(_ scanned: ScannedProblem) {
        problems.append(TemplateProblem(scanned, in: source))
    }
}
