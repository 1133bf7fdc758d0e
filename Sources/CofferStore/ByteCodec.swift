/// Little helpers for the binary encodings of Raft state and messages: fixed-width
/// big-endian integers and length-prefixed byte strings, read with bounds checks so that
/// malformed input fails cleanly instead of trapping.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Two's complement, as a UInt64.
    public mutating func write(_ value: Int64) { write(UInt64(bitPattern: value)) }

    /// A 32-bit length, then the UTF-8 bytes.
    public mutating func write(string value: String) {
        var value = value
        value.withUTF8 { utf8 in
            write(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Bytes as they are, with no length before them.
    public mutating func write(raw value: [UInt8]) { bytes.append(contentsOf: value) }

    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// A 32-bit length, then the bytes.
    public mutating func write(bytes value: [UInt8]) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func write(_ values: [UInt64]) {
        write(UInt32(values.count))
        for value in values { write(value) }
    }
}

public struct ByteReader {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Reads `bytes` from `position` on, without copying the rest out.
    public init(_ bytes: [UInt8], from position: Int) {
        self.bytes = bytes
        self.position = min(position, bytes.count)
    }

    public var isAtEnd: Bool { position == bytes.count }

    /// The next byte, left unread.
    public func peekByte() throws(DecodingFailure) -> UInt8 {
        guard position < bytes.count else { throw .truncated }
        return bytes[position]
    }

    public mutating func readByte() throws(DecodingFailure) -> UInt8 {
        guard position < bytes.count else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func readUInt64() throws(DecodingFailure) -> UInt64 {
        guard bytes.count - position >= 8 else { throw .truncated }
        var value: UInt64 = 0
        for offset in 0..<8 { value = value << 8 | UInt64(bytes[position + offset]) }
        position += 8
        return value
    }

    public mutating func readUInt32() throws(DecodingFailure) -> UInt32 {
        guard bytes.count - position >= 4 else { throw .truncated }
        var value: UInt32 = 0
        for offset in 0..<4 { value = value << 8 | UInt32(bytes[position + offset]) }
        position += 4
        return value
    }

    public mutating func readBool() throws(DecodingFailure) -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        default: throw .invalid("boolean")
        }
    }

    public mutating func readBytes(max: Int = 64 * 1024 * 1024) throws(DecodingFailure) -> [UInt8] {
        let count = Int(try readUInt32())
        guard count <= max else { throw .invalid("length \(count) over the limit \(max)") }
        guard bytes.count - position >= count else { throw .truncated }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    public mutating func readInt64() throws(DecodingFailure) -> Int64 { Int64(bitPattern: try readUInt64()) }

    /// A string written by `write(string:)`; its bytes must be UTF-8.
    public mutating func readString(max: Int = 64 * 1024) throws(DecodingFailure) -> String {
        let count = Int(try readUInt32())
        guard count <= max else { throw .invalid("string of \(count) bytes over the limit \(max)") }
        guard bytes.count - position >= count else { throw .truncated }
        defer { position += count }
        guard let string = String(validating: bytes[position..<position + count], as: UTF8.self) else {
            throw .invalid("UTF-8 in a string")
        }
        return string
    }

    /// A count written before a list: at most `max`.
    public mutating func readCount(max: Int) throws(DecodingFailure) -> Int {
        let count = Int(try readUInt32())
        guard count <= max else { throw .invalid("list of \(count) over the limit \(max)") }
        return count
    }

    public mutating func readUInt64s(max: Int = 10_000) throws(DecodingFailure) -> [UInt64] {
        let count = try readCount(max: max)
        var values: [UInt64] = []
        for _ in 0..<count { values.append(try readUInt64()) }
        return values
    }

    public func expectEnd() throws(DecodingFailure) {
        guard isAtEnd else { throw .invalid("\(bytes.count - position) trailing bytes") }
    }
}

public enum DecodingFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated
    case invalid(String)

    public var description: String {
        switch self {
        case .truncated: "truncated input"
        case .invalid(let what): "invalid \(what)"
        }
    }
}
