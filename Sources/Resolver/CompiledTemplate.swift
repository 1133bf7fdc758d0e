/// A template parsed once into segments. Rendering it does no parsing and no hashing, and
/// allocates only its output.
public struct CompiledTemplate: Sendable {
    public static let maxSourceCount = 16 * 1024 * 1024

    let source: TemplateSource
    let segments: [Segment]
    let catalogID: UInt64
    public let placement: Placement
    /// Every Secrets reference, in source order.
    public let references: [SecretReference]

    /// The distinct names referenced, as first written in the template, in order of first use.
    public var referencedNames: [String] {
        var seen = Set<String>()
        return references.compactMap { seen.insert($0.name.lowercased()).inserted ? $0.name : nil }
    }

    /// Parses `source` and binds its references to `table`'s secrets. Throws every syntax
    /// problem, every unknown name and every value unsafe where it lands, together.
    public init(
        _ source: some Collection<UInt8>, table: SecretTable,
        delimiters: Delimiters = .braces, placement: Placement = .body
    ) throws(TemplateError) {
        let source = TemplateSource(source)
        var builder = CompileVisitor(table: table)
        source.bytes.withUnsafeBytes { bytes in
            guard bytes.count <= Self.maxSourceCount else {
                builder.problems.append(.tooLarge)
                return
            }
            builder.positions = SourcePositions(bytes)
            builder.source = bytes
            builder.guardedEnd = placement.guardedEnd(in: bytes)
            TemplateScanner(source: bytes, delimiters: delimiters).scan(into: &builder)
        }
        if !builder.problems.isEmpty { throw TemplateError(builder.problems) }
        self.source = source
        self.segments = builder.segments
        self.references = builder.references
        self.catalogID = table.catalogID
        self.placement = placement
    }

    /// Renders with `table`, which must come from the catalog the template was compiled with.
    /// Throws, rendering nothing, if a referenced secret is gone or a value is unsafe where it lands.
    public func render(with table: SecretTable) throws(TemplateError) -> RenderedOutput {
        RenderedOutput(adopting: try rawRender(with: table), generation: table.generation)
    }

    func rawRender(with table: SecretTable) throws(TemplateError) -> RawOutput {
        precondition(table.catalogID == catalogID, "a template renders only with tables of the catalog it was compiled with")
        let output = source.bytes.withUnsafeBytes { bytes in
            segments.withUnsafeBufferPointer { segments in
                SegmentRenderer.render(segments, source: bytes, table: table)
            }
        }
        guard let output else { throw TemplateError(problems(with: table)) }
        return output
    }

    /// The slow path of a failed render: every reference that cannot be rendered, and why;
    /// when every reference can, the output was too large for the table's limit (or for the
    /// memory the node has free).
    private func problems(with table: SecretTable) -> ProblemList {
        var problems = ProblemList()
        source.bytes.withUnsafeBytes { bytes in
            var positions = SourcePositions(bytes)
            for (segment, reference) in zip(segments.lazy.filter { !$0.isLiteral }, references) {
                let slot = Int(segment.slot)
                let entry = slot < table.slotCount ? table.entries[slot] : ValueEntry(nil)
                let breaksLine = segment.guarded && entry.breaksHeaderLine
                guard !entry.isPresent || breaksLine else { continue }
                guard !problems.isFull else {
                    problems.countUnreported()
                    continue
                }
                let position = positions.position(at: Int(segment.start))
                problems.append(entry.isPresent ? .unsafeInHeader(reference.name, at: position)
                                                : .unknownSecret(reference.name, at: position))
            }
        }
        if problems.isEmpty { problems.append(.outputTooLarge(table.limits)) }
        return problems
    }
}

/// A Secrets reference as written in a template.
public struct SecretReference: Sendable, Equatable {
    public let name: String
    public let filters: [Filter]
    public let line: Int
    public let column: Int
}

/// The template's bytes, shared by copies of a compiled template.
final class TemplateSource: Sendable {
    let bytes: [UInt8]
    init(_ bytes: some Collection<UInt8>) { self.bytes = Array(bytes) }
}

extension TemplateProblem {
    static let tooLarge = TemplateProblem(
        kind: .templateTooLarge, line: 1, column: 1,
        message: "template larger than \(CompiledTemplate.maxSourceCount) bytes")

    static func unknownSecret(_ name: String, at position: SourcePosition) -> TemplateProblem {
        TemplateProblem(kind: .unknownSecret, line: position.line, column: position.column,
                        message: "unknown secret '\(name)'", name: name)
    }

    static func unsafeInHeader(_ name: String, at position: SourcePosition) -> TemplateProblem {
        TemplateProblem(kind: .unsafeInHeader, line: position.line, column: position.column,
                        message: "secret '\(name)' contains a line break or NUL and lands in a header or URL; "
                            + "use a filter (json, url or base64)")
    }

    init(_ scanned: ScannedProblem, at position: SourcePosition) {
        self.init(kind: scanned.kind, line: position.line, column: position.column, message: scanned.message)
    }
}

/// Builds segments from the scanner's findings and resolves names against a table. Stops
/// collecting references at the table's limit; past the first hundred problems, only counts.
private struct CompileVisitor: TemplateVisitor {
    let table: SecretTable
    var source = UnsafeRawBufferPointer(start: nil, count: 0)
    var positions = SourcePositions(UnsafeRawBufferPointer(start: nil, count: 0))
    var guardedEnd = 0
    var segments: [Segment] = []
    var references: [SecretReference] = []
    var problems = ProblemList()
    private var referenceCount = 0

    init(table: SecretTable) { self.table = table }

    mutating func literal(start: Int, end: Int) {
        guard problems.isEmpty else { return }          // no segments are needed once it cannot render
        segments.append(.literal(start: start, end: end))
    }

    mutating func reference(_ scanned: ScannedReference) {
        referenceCount += 1
        guard referenceCount <= table.limits.maxReferences else {
            if referenceCount == table.limits.maxReferences + 1 {
                problems.append(.tooManyReferences(table.limits, at: positions.position(at: scanned.start)))
            }
            return
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: source[scanned.nameStart..<scanned.nameEnd])
        let name = String(decoding: nameBytes, as: UTF8.self)
        let position = positions.position(at: scanned.start)
        references.append(SecretReference(name: name, filters: scanned.filters.filters,
                                          line: position.line, column: position.column))
        let guarded = scanned.start < guardedEnd && scanned.filters.isEmpty
        guard let slot = table.index.slot(of: nameBytes), let value = table.value(at: slot) else {
            problems.append(.unknownSecret(name, at: position))
            return
        }
        if guarded && value.breaksHeaderLine {
            problems.append(.unsafeInHeader(name, at: position))
        }
        segments.append(Segment(start: Int32(scanned.start), length: 0, slot: Int32(slot),
                                guarded: guarded, filters: scanned.filters))
    }

    mutating func problem(_ scanned: ScannedProblem) {
        guard !problems.isFull else {
            problems.countUnreported()
            return
        }
        problems.append(TemplateProblem(scanned, at: positions.position(at: scanned.offset)))
    }
}
