/// The common reference, `OPEN spaces? secrets.NAME spaces? CLOSE` in any case and with no
/// filter, read without the general parser: one 8-byte compare for `secrets.` and the name
/// sixteen bytes at a time. The scanner and the one-pass render both read it here, so they
/// agree on what it is; anything else after an opening delimiter is the scanner's to judge.
struct PlainReference {
    var nameStart: Int
    var nameEnd: Int
    /// Just past the closing delimiter.
    var end: Int

    /// The plain reference whose opening delimiter ends at `afterOpen`, if that is what follows.
    @inline(__always)
    static func read(
        in source: UnsafeRawBufferPointer, afterOpen: Int, close: UnsafeRawBufferPointer
    ) -> PlainReference? {
        var cursor = ASCII.spacesEnd(in: source, from: afterOpen)
        guard cursor &+ 8 <= source.count else { return nil }
        let word = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: cursor, as: UInt64.self))
        // "secrets." read little-endian; OR-ing 0x20 into the seven letters folds their case
        // and turns no other byte into one of them. The word ends at '.', not a word byte.
        guard word | 0x0020_2020_2020_2020 == 0x2E73_7465_7263_6573 else { return nil }
        let nameStart = cursor &+ 8
        // The name, sixteen bytes at a time while sixteen remain, then eight, then one. (Written
        // out here: as a function of its own the compiler kept it out of line.)
        var nameEnd = nameStart
        scan: do {
            while nameEnd &+ 16 <= source.count {
                let lanes = ASCII.notNameLanes(source.loadUnaligned(fromByteOffset: nameEnd, as: SIMD16<UInt8>.self))
                if lanes.x != 0 { nameEnd &+= lanes.x.trailingZeroBitCount / 8; break scan }
                if lanes.y != 0 { nameEnd &+= 8 &+ lanes.y.trailingZeroBitCount / 8; break scan }
                nameEnd &+= 16
            }
            while nameEnd &+ 8 <= source.count {
                let word = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: nameEnd, as: UInt64.self))
                let notName = ~ASCII.nameByteLanes(word) & 0x8080_8080_8080_8080
                if notName != 0 { nameEnd &+= notName.trailingZeroBitCount / 8; break scan }
                nameEnd &+= 8
            }
            while nameEnd < source.count, ASCII.isNameByte(source[nameEnd]) { nameEnd &+= 1 }
        }
        guard nameEnd > nameStart, nameEnd &- nameStart <= SecretName.maxLength else { return nil }
        cursor = ASCII.spacesEnd(in: source, from: nameEnd)
        guard ASCII.matches(close, in: source, at: cursor) else { return nil }
        return PlainReference(nameStart: nameStart, nameEnd: nameEnd, end: cursor &+ close.count)
    }

    /// Whether the text after an opening delimiter begins with the word `Secrets` in any case.
    /// If not, the delimiter opens no secret reference and passes through with its text.
    @inline(__always)
    static func secretsWordFollows(in source: UnsafeRawBufferPointer, afterOpen: Int) -> Bool {
        let wordStart = ASCII.spacesEnd(in: source, from: afterOpen)
        return isSecretsWord(in: source, wordStart..<ASCII.wordRunEnd(in: source, from: wordStart))
    }

    /// `secrets` in any case, as two overlapping 4-byte compares (`secr`, `rets`). OR-ing 0x20
    /// folds a letter and never turns another word byte into one.
    @inline(__always)
    static func isSecretsWord(in source: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard range.count == 7 else { return false }
        let head = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt32.self))
        let tail = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: range.lowerBound &+ 3, as: UInt32.self))
        return head | 0x2020_2020 == 0x7263_6573 && tail | 0x2020_2020 == 0x7374_6572
    }
}
