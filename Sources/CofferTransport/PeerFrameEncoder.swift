import NIOCore

/// Writes a frame's header and payload. Oversized payloads are refused before they reach the
/// socket, because the receiving side would close the connection on them anyway.
public struct PeerFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PeerFrame

    public let maxPayloadLength: Int

    public init(maxPayloadLength: Int = PeerFrame.defaultMaxPayloadLength) {
        self.maxPayloadLength = maxPayloadLength
    }

    public func encode(data frame: PeerFrame, out: inout ByteBuffer) throws {
        let length = frame.payload.readableBytes
        guard length <= maxPayloadLength else {
            throw PeerTransportError.frameTooLarge(length: length, max: maxPayloadLength)
        }
        out.reserveCapacity(minimumWritableBytes: PeerFrameHeader.size + length)
        out.writeMultipleIntegers(
            PeerFrameHeader.magic, PeerFrameHeader.version, frame.kind.rawValue, frame.correlationID, UInt32(length))
        var payload = frame.payload
        out.writeBuffer(&payload)
    }
}
