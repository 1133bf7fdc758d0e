/// Counts and finds line feeds in scanned text, eight bytes at a time.
enum NewlineCounter {
    private static let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    private static let feeds: UInt64 = 0x0A0A_0A0A_0A0A_0A0A

    /// The line feeds in `count` bytes at `start`.
    static func count(_ start: UnsafeRawPointer, _ count: Int) -> Int {
        var found = 0
        var index = 0
        while index + 8 <= count {
            let word = start.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ feeds
            // 0x80 in exactly the bytes that were line feeds (no carries between bytes).
            let marks = ~(((word & lows) &+ lows) | word | lows)
            found &+= marks.nonzeroBitCount
            index += 8
        }
        while index < count {
            if start.load(fromByteOffset: index, as: UInt8.self) == 0x0A { found &+= 1 }
            index += 1
        }
        return found
    }

    /// The offset of the last line feed in `count` bytes at `start`, if there is one.
    static func last(_ start: UnsafeRawPointer, _ count: Int) -> Int? {
        var index = count - 1
        while index >= 0 {
            if start.load(fromByteOffset: index, as: UInt8.self) == 0x0A { return index }
            index -= 1
        }
        return nil
    }
}
