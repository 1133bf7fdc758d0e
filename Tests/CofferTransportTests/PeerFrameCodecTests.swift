import CofferTransport
import NIOCore
import Testing

@Suite("Frame codec")
struct PeerFrameCodecTests {
    private func encode(_ frames: [PeerFrame], max: Int = PeerFrame.defaultMaxPayloadLength) throws -> ByteBuffer {
        var out = ByteBuffer()
        for frame in frames { try PeerFrameEncoder(maxPayloadLength: max).encode(data: frame, out: &out) }
        return out
    }

    /// Feeds `bytes` to one decoder in chunks of `chunk` bytes, collecting every decoded frame.
    private func decode(_ bytes: ByteBuffer, chunk: Int, max: Int = PeerFrame.defaultMaxPayloadLength) throws -> [PeerFrame] {
        var decoder = PeerFrameDecoder(maxPayloadLength: max)
        var pending = ByteBuffer()
        var input = bytes
        var frames: [PeerFrame] = []
        while input.readableBytes > 0 {
            var piece = input.readSlice(length: min(chunk, input.readableBytes))!
            pending.writeBuffer(&piece)
            while let frame = try decoder.decode(buffer: &pending) { frames.append(frame) }
        }
        #expect(pending.readableBytes == 0)
        return frames
    }

    private let samples = [
        PeerFrame(kind: .message, correlationID: 0, payload: ByteBuffer(string: "append entries")),
        PeerFrame(kind: .request, correlationID: 42, payload: ByteBuffer(bytes: Array(0...255))),
        PeerFrame(kind: .response, correlationID: .max, payload: ByteBuffer()),
    ]

    @Test func roundTripsEveryKindWhole() throws {
        #expect(try decode(encode(samples), chunk: .max) == samples)
    }

    @Test(arguments: [1, 2, 3, 7, 15, 16, 17, 100])
    func roundTripsAcrossPartialReads(chunk: Int) throws {
        #expect(try decode(encode(samples), chunk: chunk) == samples)
    }

    @Test func headerLayoutIsBigEndianAndSixteenBytes() throws {
        let bytes = Array(try encode([PeerFrame(kind: .request, correlationID: 0x0102, payload: ByteBuffer(string: "hi"))]).readableBytesView)
        #expect(bytes == [0xC0, 0xFE, 1, 2, 0, 0, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 2, UInt8(ascii: "h"), UInt8(ascii: "i")])
    }

    @Test func waitsForTheWholePayload() throws {
        var decoder = PeerFrameDecoder()
        var buffer = try encode([PeerFrame(kind: .message, payload: ByteBuffer(string: "abcdef"))])
        var truncated = buffer.readSlice(length: buffer.readableBytes - 1)!
        #expect(try decoder.decode(buffer: &truncated) == nil)
        #expect(truncated.readableBytes == 16 + 5)  // nothing consumed
    }

    @Test func refusesBadMagicFromItsFirstTwoBytes() throws {
        var decoder = PeerFrameDecoder()
        var buffer = ByteBuffer(bytes: Array("GET / HTTP/1.1\r\n".utf8))
        #expect(throws: PeerFrameDecodingError.badMagic(0x4745)) { try decoder.decode(buffer: &buffer) }
        var two = ByteBuffer(bytes: [0x16, 0x03])
        #expect(throws: PeerFrameDecodingError.badMagic(0x1603)) { try decoder.decode(buffer: &two) }
    }

    @Test func refusesAnUnsupportedVersion() throws {
        var decoder = PeerFrameDecoder()
        var buffer = ByteBuffer(bytes: [0xC0, 0xFE, 2])
        #expect(throws: PeerFrameDecodingError.unsupportedVersion(2)) { try decoder.decode(buffer: &buffer) }
    }

    @Test(arguments: [UInt8(0), 4, 200, 255])
    func refusesAnUnknownKind(kind: UInt8) throws {
        var decoder = PeerFrameDecoder()
        var buffer = ByteBuffer(bytes: [0xC0, 0xFE, 1, kind])
        #expect(throws: PeerFrameDecodingError.unknownKind(kind)) { try decoder.decode(buffer: &buffer) }
    }

    @Test func refusesAnOversizedLengthBeforeAnyPayload() throws {
        var decoder = PeerFrameDecoder(maxPayloadLength: 1024)
        var header = ByteBuffer()
        header.writeMultipleIntegers(UInt16(0xC0FE), UInt8(1), UInt8(1), UInt64(1), UInt32(1025))
        #expect(throws: PeerFrameDecodingError.payloadTooLarge(length: 1025, max: 1024)) { try decoder.decode(buffer: &header) }
        var huge = ByteBuffer()
        huge.writeMultipleIntegers(UInt16(0xC0FE), UInt8(1), UInt8(3), UInt64(1), UInt32.max)
        var defaultDecoder = PeerFrameDecoder()
        #expect(throws: PeerFrameDecodingError.payloadTooLarge(length: .max, max: PeerFrame.defaultMaxPayloadLength)) {
            try defaultDecoder.decode(buffer: &huge)
        }
    }

    @Test func acceptsAPayloadOfExactlyTheMaximum() throws {
        let frame = PeerFrame(kind: .message, payload: ByteBuffer(repeating: 7, count: 1024))
        #expect(try decode(encode([frame], max: 1024), chunk: 100, max: 1024) == [frame])
    }

    @Test func encoderRefusesAPayloadOverTheMaximum() throws {
        let frame = PeerFrame(kind: .message, payload: ByteBuffer(repeating: 7, count: 1025))
        #expect(throws: PeerTransportError.frameTooLarge(length: 1025, max: 1024)) { try encode([frame], max: 1024) }
    }
}
