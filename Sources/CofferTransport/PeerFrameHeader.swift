/// The fixed wire header in front of every payload, all integers big-endian:
/// magic (2 bytes) · version (1) · kind (1) · correlation id (8) · payload length (4).
enum PeerFrameHeader {
    static let magic: UInt16 = 0xC0FE
    static let version: UInt8 = 1
    static let size = 2 + 1 + 1 + 8 + 4
}

/// Why a byte stream is not a valid frame sequence. Any of these closes the connection.
public enum PeerFrameDecodingError: Error, Equatable, CustomStringConvertible {
    case badMagic(UInt16)
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    case payloadTooLarge(length: UInt32, max: Int)
    /// A well-formed frame of a kind that may not travel in this direction.
    case unexpectedKind(UInt8)

    public var description: String {
        switch self {
        case .badMagic(let magic): "bad frame magic 0x\(String(magic, radix: 16))"
        case .unsupportedVersion(let version): "unsupported frame version \(version)"
        case .unknownKind(let kind): "unknown frame kind \(kind)"
        case .payloadTooLarge(let length, let max): "frame payload of \(length) bytes exceeds the limit of \(max)"
        case .unexpectedKind(let kind): "a frame of kind \(kind) is not expected in this direction"
        }
    }
}
