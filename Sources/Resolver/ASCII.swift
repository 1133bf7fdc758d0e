/// Byte classes of the reference grammar. Everything is ASCII: names, the namespace word and
/// filters compare ASCII case-insensitively, never by Unicode rules.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A

    /// `[A-Za-z0-9_-]`, the bytes of a secret name.
    @inline(__always)
    static func isNameByte(_ byte: UInt8) -> Bool {
        nameByteTable[Int(byte)]
    }

    /// `[A-Za-z0-9_]`, the bytes of the namespace word and of a filter name.
    @inline(__always)
    static func isWordByte(_ byte: UInt8) -> Bool {
        byte != UInt8(ascii: "-") && nameByteTable[Int(byte)]
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// Case-folds a name byte. On the name alphabet `b | 0x20` is one-to-one (letters map to
    /// lower case, digits and `-` already have the bit, `_` becomes 0x7F, which no name byte
    /// is), so names can be folded eight bytes at a time.
    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte | 0x20
    }

    private static let nameByteTable: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        return (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
