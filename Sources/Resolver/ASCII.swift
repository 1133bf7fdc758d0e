/// Byte classes of the reference grammar. Everything is ASCII: names, the namespace word and
/// filters compare ASCII case-insensitively, never by Unicode rules.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A

    /// `[A-Za-z0-9_-]`, the bytes of a secret name.
    ///
    /// A bit test in two 64-bit constants rather than a table: a global table is reached
    /// through a lazy-initialization check on every access, which cost more than the test.
    @inline(__always)
    static func isNameByte(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_2000_0000_0000       // '-' (0x2D), '0'–'9' (0x30–0x39)
        let high: UInt64 = 0x07FF_FFFE_87FF_FFFE      // 'A'–'Z', '_' (0x5F), 'a'–'z'
        let bits = byte < 0x40 ? low : high
        return byte < 0x80 && (bits >> UInt64(byte & 0x3F)) & 1 != 0
    }

    /// `[A-Za-z0-9_]`, the bytes of the namespace word and of a filter name.
    @inline(__always)
    static func isWordByte(_ byte: UInt8) -> Bool {
        byte != UInt8(ascii: "-") && isNameByte(byte)
    }

    /// 0xFF in each byte lane of `bytes` that is not a name byte, as two little-endian words.
    /// Plain vector compares: the compiler turns them into a handful of SSE instructions.
    @inline(__always)
    static func notNameLanes(_ bytes: SIMD16<UInt8>) -> SIMD2<UInt64> {
        typealias V = SIMD16<UInt8>
        let folded = bytes | V(repeating: 0x20)
        let letter = (folded &- V(repeating: 0x61)) .< V(repeating: 26)   // 'A'-'Z' land on 'a'-'z'
        let digit = (bytes &- V(repeating: 0x30)) .< V(repeating: 10)
        let punctuation = (bytes .== V(repeating: 0x2D)) .| (bytes .== V(repeating: 0x5F))
        let name = letter .| digit .| punctuation
        let notName = V(repeating: 0xFF).replacing(with: V(repeating: 0), where: name)
        return unsafeBitCast(notName, to: SIMD2<UInt64>.self)
    }

    /// 0x80 in each byte lane of `word` that holds a name byte, 0 in the others. Each range test
    /// adds to bytes whose top bit is cleared, so no lane carries into the next.
    @inline(__always)
    static func nameByteLanes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let x = word & ~high
        @inline(__always) func within(_ x: UInt64, _ low: UInt64, _ high: UInt64) -> UInt64 {
            (x &+ (0x80 - low) &* ones) & ~(x &+ (0x7F - high) &* ones)
        }
        let letters = within(x | 0x20 &* ones, 0x61, 0x7A)      // folded: 'A'–'Z' land on 'a'–'z'
        let digits = within(x, 0x30, 0x39)
        let punctuation = within(x, 0x2D, 0x2D) | within(x, 0x5F, 0x5F)
        return (letters | digits | punctuation) & ~word & high
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// The end of the run of spaces and tabs that starts at `start`.
    @inline(__always)
    static func spacesEnd(in source: UnsafeRawBufferPointer, from start: Int) -> Int {
        var cursor = start
        while cursor < source.count, isSpace(source[cursor]) { cursor &+= 1 }
        return cursor
    }

    /// The end of the run of word bytes (`[A-Za-z0-9_]`) that starts at `start`.
    @inline(__always)
    static func wordRunEnd(in source: UnsafeRawBufferPointer, from start: Int) -> Int {
        var cursor = start
        while cursor < source.count, isWordByte(source[cursor]) { cursor &+= 1 }
        return cursor
    }

    /// Whether `needle` occurs in `source` at `offset`.
    @inline(__always)
    static func matches(_ needle: UnsafeRawBufferPointer, in source: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard offset &+ needle.count <= source.count else { return false }
        if needle.count == 2 {
            return source.loadUnaligned(fromByteOffset: offset, as: UInt16.self) == needle.loadUnaligned(as: UInt16.self)
        }
        for index in 0..<needle.count where source[offset &+ index] != needle[index] { return false }
        return true
    }

    /// Case-folds a name byte. On the name alphabet `b | 0x20` is one-to-one (letters map to
    /// lower case, digits and `-` already have the bit, `_` becomes 0x7F, which no name byte
    /// is), so names can be folded eight bytes at a time.
    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte | 0x20
    }
}
