import NIOCore

/// Splits the inbound byte stream into frames. Each header field is checked as soon as its
/// bytes arrive, so garbage or a hostile length is refused before any payload is buffered.
public struct PeerFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = PeerFrame

    public let maxPayloadLength: Int

    public init(maxPayloadLength: Int = PeerFrame.defaultMaxPayloadLength) {
        self.maxPayloadLength = maxPayloadLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> PeerFrame? {
        let start = buffer.readerIndex
        if let magic = buffer.getInteger(at: start, as: UInt16.self), magic != PeerFrameHeader.magic {
            throw PeerFrameDecodingError.badMagic(magic)
        }
        if let version = buffer.getInteger(at: start + 2, as: UInt8.self), version != PeerFrameHeader.version {
            throw PeerFrameDecodingError.unsupportedVersion(version)
        }
        var kind: PeerFrame.Kind?
        if let rawKind = buffer.getInteger(at: start + 3, as: UInt8.self) {
            guard let known = PeerFrame.Kind(rawValue: rawKind) else { throw PeerFrameDecodingError.unknownKind(rawKind) }
            kind = known
        }
        guard buffer.readableBytes >= PeerFrameHeader.size, let kind,
              let correlationID = buffer.getInteger(at: start + 4, as: UInt64.self),
              let length = buffer.getInteger(at: start + 12, as: UInt32.self)
        else { return nil }
        guard UInt64(length) <= UInt64(maxPayloadLength) else {
            throw PeerFrameDecodingError.payloadTooLarge(length: length, max: maxPayloadLength)
        }
        guard buffer.readableBytes >= PeerFrameHeader.size + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: PeerFrameHeader.size)
        let payload = buffer.readSlice(length: Int(length))!
        return PeerFrame(kind: kind, correlationID: correlationID, payload: payload)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> PeerFrame? {
        // A truncated trailing frame is simply dropped with the connection.
        try decode(buffer: &buffer)
    }
}
