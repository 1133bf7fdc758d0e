/// The byte sequences that open and close a reference: `{{` and `}}` unless configured.
public struct Delimiters: Sendable, Hashable {
    public let open: [UInt8]
    public let close: [UInt8]

    public static let braces = Delimiters(uncheckedOpen: Array("{{".utf8), close: Array("}}".utf8))

    /// Accepts 1–16 bytes each, none of them a character that can appear inside a reference
    /// (letters, digits, `_`, `-`, `.`, `|`, spaces), so a reference can never be ambiguous.
    public init(open: String, close: String) throws(DelimiterError) {
        let open = Array(open.utf8), close = Array(close.utf8)
        for delimiter in [open, close] {
            guard (1...16).contains(delimiter.count) else { throw DelimiterError.badLength }
            guard !delimiter.contains(where: Delimiters.isReferenceByte) else { throw DelimiterError.reservedCharacter }
        }
        self.init(uncheckedOpen: open, close: close)
    }

    private init(uncheckedOpen open: [UInt8], close: [UInt8]) {
        self.open = open
        self.close = close
    }

    private static func isReferenceByte(_ byte: UInt8) -> Bool {
        ASCII.isNameByte(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "|")
            || ASCII.isSpace(byte) || byte == ASCII.cr || byte == ASCII.lf || byte == 0 || byte >= 0x80
    }
}

public enum DelimiterError: Error, Sendable, CustomStringConvertible {
    case badLength
    case reservedCharacter

    public var description: String {
        switch self {
        case .badLength: "a delimiter must be 1 to 16 bytes long"
        case .reservedCharacter:
            "a delimiter must not contain letters, digits, '_', '-', '.', '|', spaces, line breaks or non-ASCII bytes"
        }
    }
}
