/// A pattern over secret names, as a token's scope lists them: name characters and `*`,
/// which matches any run of name characters (`Payments*`, `*_EU`, `Webhook_Prod`). ASCII
/// case-insensitive, like names.
public struct NamePattern: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    private let folded: [UInt8]

    /// The rule, for error messages.
    public static let rule = "a secret pattern is 1 to 128 characters of A-Z, a-z, 0-9, '_', '-' and '*'"

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard (1...128).contains(bytes.count), bytes.allSatisfy({ Self.isNameByte($0) || $0 == Self.star }) else { return nil }
        description = text
        folded = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    public func matches(_ name: String) -> Bool {
        Self.glob(folded, name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
    }

    /// Whether every name `other` matches, this matches too. `other`'s stars can stand for
    /// any run, so only a star here may take them: matching `other`'s text as a name, with
    /// its stars as characters no letter equals, decides it.
    public func covers(_ other: NamePattern) -> Bool {
        Self.glob(folded, other.folded)
    }

    private static let star = UInt8(ascii: "*")

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte == 0x2D
    }

    /// `*` in `pattern` matches any run of `text`; every other byte itself. Backtracks only to
    /// the last star, so it takes at most pattern × text steps.
    private static func glob(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0, t = 0
        var starAt: Int?, resumeAt = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == star {
                starAt = p
                resumeAt = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star = starAt {
                p = star + 1
                resumeAt += 1
                t = resumeAt
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}
