/// A transformation applied to a value before it lands in the output.
/// Every filter removes CR, LF and NUL from what it writes, so a filtered value is always
/// safe in an HTTP header line.
public enum Filter: UInt8, Sendable, CaseIterable {
    /// Escapes for the inside of a JSON string.
    case json = 1
    /// Percent-encodes everything but RFC 3986's unreserved characters.
    case url = 2
    /// Standard base64 with padding.
    case base64 = 3

    public var name: String {
        switch self {
        case .json: "json"
        case .url: "url"
        case .base64: "base64"
        }
    }

    /// Matches a filter word ASCII case-insensitively.
    static func named(_ word: UnsafeRawBufferPointer) -> Filter? {
        for filter in Filter.allCases where filter.name.utf8.count == word.count {
            if zip(filter.name.utf8, word).allSatisfy({ $0 == ($1 | 0x20) }) { return filter }
        }
        return nil
    }

    /// The number of bytes `write` produces for `input`.
    func encodedCount(_ input: UnsafeRawBufferPointer) -> Int {
        switch self {
        case .base64: return (input.count + 2) / 3 * 4
        case .json:
            var count = 0
            for byte in input { count &+= Int(FilterTables.jsonWidth[Int(byte)]) }
            return count
        case .url:
            var count = 0
            for byte in input { count &+= FilterTables.urlUnreserved[Int(byte)] ? 1 : 3 }
            return count
        }
    }

    /// Writes the encoding of `input` at `out`, which has room for `encodedCount(input)` bytes;
    /// returns the position after the last byte written.
    func write(_ input: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        switch self {
        case .base64: return FilterTables.writeBase64(input, to: out)
        case .json: return FilterTables.writeJSON(input, to: out)
        case .url: return FilterTables.writeURL(input, to: out)
        }
    }
}

enum FilterTables {
    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Output width of each byte under the JSON filter: 1, 2 (`\n`, `\"`) or 6 (`\u001f`).
    static let jsonWidth: [UInt8] = (0..<256).map { value in
        switch value {
        case 0x22, 0x5C, 0x08, 0x0C, 0x0A, 0x0D, 0x09: 2
        case 0..<0x20: 6
        default: 1
        }
    }

    static let urlUnreserved: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        return ASCII.isNameByte(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "~")
    }

    static func writeJSON(_ input: UnsafeRawBufferPointer, to start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var out = start
        for byte in input {
            let short: UInt8
            switch byte {
            case 0x22: short = 0x22
            case 0x5C: short = 0x5C
            case 0x08: short = UInt8(ascii: "b")
            case 0x0C: short = UInt8(ascii: "f")
            case 0x0A: short = UInt8(ascii: "n")
            case 0x0D: short = UInt8(ascii: "r")
            case 0x09: short = UInt8(ascii: "t")
            case 0..<0x20:
                out[0] = 0x5C; out[1] = UInt8(ascii: "u"); out[2] = UInt8(ascii: "0"); out[3] = UInt8(ascii: "0")
                out[4] = hexDigits[Int(byte >> 4)]; out[5] = hexDigits[Int(byte & 0xF)]
                out += 6
                continue
            default:
                out.pointee = byte
                out += 1
                continue
            }
            out[0] = 0x5C
            out[1] = short
            out += 2
        }
        return out
    }

    static func writeURL(_ input: UnsafeRawBufferPointer, to start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var out = start
        for byte in input {
            if urlUnreserved[Int(byte)] {
                out.pointee = byte
                out += 1
            } else {
                out[0] = UInt8(ascii: "%")
                out[1] = hexDigits[Int(byte >> 4)]
                out[2] = hexDigits[Int(byte & 0xF)]
                out += 3
            }
        }
        return out
    }

    static func writeBase64(_ input: UnsafeRawBufferPointer, to start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var out = start
        var index = 0
        let count = input.count
        while index + 3 <= count {
            let triple = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out[0] = base64Alphabet[Int(triple >> 18)]
            out[1] = base64Alphabet[Int(triple >> 12 & 0x3F)]
            out[2] = base64Alphabet[Int(triple >> 6 & 0x3F)]
            out[3] = base64Alphabet[Int(triple & 0x3F)]
            out += 4
            index += 3
        }
        let rest = count - index
        if rest > 0 {
            let second = rest == 2 ? UInt32(input[index + 1]) : 0
            let pair = UInt32(input[index]) << 16 | second << 8
            out[0] = base64Alphabet[Int(pair >> 18)]
            out[1] = base64Alphabet[Int(pair >> 12 & 0x3F)]
            out[2] = rest == 2 ? base64Alphabet[Int(pair >> 6 & 0x3F)] : UInt8(ascii: "=")
            out[3] = UInt8(ascii: "=")
            out += 4
        }
        return out
    }
}

/// Up to eight filters applied left to right, packed into one word so a compiled segment
/// stays small.
struct FilterChain: Sendable, Equatable {
    static let maxCount = 8
    private(set) var packed: UInt32 = 0
    private var storedCount: UInt8 = 0          // a byte, so a segment stays small

    var count: Int { Int(storedCount) }

    var isEmpty: Bool { storedCount == 0 }

    var first: Filter? { count == 0 ? nil : Filter(rawValue: UInt8(packed & 0xF)) }

    mutating func append(_ filter: Filter) {
        precondition(count < Self.maxCount)
        packed |= UInt32(filter.rawValue) << (4 * count)
        storedCount += 1
    }

    var filters: [Filter] {
        (0..<count).map { Filter(rawValue: UInt8(packed >> (4 * $0) & 0xF))! }
    }
}
