/// Everything wrong with a template, all found at once. Nothing is rendered when there is one.
/// Problems name secrets and positions, never values.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// At most `ProblemList.maxReported`, in source order.
    public let problems: [TemplateProblem]
    /// How many problems were found past those listed.
    public let unreported: Int

    public init(problems: [TemplateProblem], unreported: Int = 0) {
        self.problems = problems
        self.unreported = unreported
    }

    init(_ list: ProblemList) {
        self.init(problems: list.reported, unreported: list.unreported)
    }

    /// The output would pass the table's limit: the answer is 413, not 422.
    public var isOutputTooLarge: Bool { problems.contains { $0.kind == .outputTooLarge } }

    public var description: String {
        let lines = problems.map(\.description) + (unreported > 0 ? ["… and \(unreported) more problems"] : [])
        return lines.joined(separator: "\n")
    }
}

public struct TemplateProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// `{{Secrets.}}`, `{{Secrets.bad name}}`, an unknown filter, …
        case malformedReference = "malformed_reference"
        /// No closing delimiter before the end of the line or template.
        case unterminatedReference = "unterminated_reference"
        case unknownSecret = "unknown_secret"
        /// A value with CR, LF or NUL would land in a header line or URL without a filter.
        case unsafeInHeader = "unsafe_in_header"
        case templateTooLarge = "template_too_large"
        /// More Secrets references than `RenderLimits.maxReferences`.
        case tooManyReferences = "too_many_references"
        /// The rendered output would be larger than `RenderLimits.maxOutputBytes`.
        case outputTooLarge = "output_too_large"
        /// A secret outside the calling token's scope (whether or not it exists).
        case outOfScope = "out_of_scope"
        /// A secret whose host list does not take the request's destination (or none is known).
        case destination
    }

    public let kind: Kind
    /// 1-based; lines end at LF.
    public let line: Int
    /// 1-based, in Unicode scalars from the start of the line.
    public let column: Int
    public let message: String
    /// The secret a reference names, for problems about one (unknown, unsafe in a header).
    public var name: String? = nil

    public init(kind: Kind, line: Int, column: Int, message: String, name: String? = nil) {
        self.kind = kind
        self.line = line
        self.column = column
        self.message = message
        self.name = name
    }

    /// The same reference, refused as outside a token's scope: the answer reads the same
    /// whether the secret exists or not.
    public var outOfScope: TemplateProblem {
        TemplateProblem(kind: .outOfScope, line: line, column: column,
                        message: "secret '\(name ?? "")' is outside this token's scope", name: name)
    }

    /// The same reference, refused because its secret may not go to `destination` (nil: the
    /// request names no destination).
    public func notAllowed(to destination: String?) -> TemplateProblem {
        let place = destination.map { "to \($0)" } ?? "where the destination is not known (give an absolute URL or destination=)"
        return TemplateProblem(kind: .destination, line: line, column: column,
                               message: "secret '\(name ?? "")' may not be sent \(place)", name: name)
    }

    public var description: String { "\(line):\(column): \(message)" }
}

/// The problems of one template as they are found: the first `maxReported` kept, the rest
/// only counted, so a template of a million errors costs no more memory than one of a hundred.
struct ProblemList {
    static let maxReported = 100

    private(set) var reported: [TemplateProblem] = []
    private(set) var unreported = 0

    var isEmpty: Bool { reported.isEmpty }
    var isFull: Bool { reported.count >= Self.maxReported }

    mutating func append(_ problem: TemplateProblem) {
        if isFull { unreported += 1 } else { reported.append(problem) }
    }

    /// Counts a problem that was not built because the list is full.
    mutating func countUnreported() { unreported += 1 }
}

/// Where a byte offset falls, as a person counts it.
struct SourcePosition: Equatable {
    let line: Int
    let column: Int
}

/// Turns byte offsets into lines and columns in one pass over the source: offsets asked in
/// increasing order (the scanner's order) cost only the bytes between them. An offset before
/// the last one asked starts again from the top.
struct SourcePositions {
    private let source: UnsafeRawBufferPointer
    private var offset = 0
    private var line = 1
    private var column = 1

    init(_ source: UnsafeRawBufferPointer) {
        self.source = source
    }

    mutating func position(at target: Int) -> SourcePosition {
        let target = min(max(target, 0), source.count)
        if target < offset { (offset, line, column) = (0, 1, 1) }
        while offset < target {
            let byte = source[offset]
            if byte == ASCII.lf {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {        // not a UTF-8 continuation byte
                column += 1
            }
            offset += 1
        }
        return SourcePosition(line: line, column: column)
    }
}
