/// Everything wrong with a template, all found at once. Nothing is rendered when there is one.
/// Problems name secrets and positions, never values.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [TemplateProblem]

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
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
    }

    public let kind: Kind
    /// 1-based; lines end at LF.
    public let line: Int
    /// 1-based, in Unicode scalars from the start of the line.
    public let column: Int
    public let message: String

    public var description: String { "\(line):\(column): \(message)" }
}

/// Where a byte offset falls, as a person counts it.
struct SourcePosition {
    let line: Int
    let column: Int

    init(offset: Int, in source: UnsafeRawBufferPointer) {
        var line = 1
        var column = 1
        for byte in source[..<min(offset, source.count)] {
            if byte == ASCII.lf {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {        // not a UTF-8 continuation byte
                column += 1
            }
        }
        self.line = line
        self.column = column
    }
}
