import Foundation

/// The data of a normal Raft entry: a marker byte, the 16-byte id of the proposal (so the
/// proposer can recognise its own entry when it is applied), then the command in its binary
/// form. Entries written with the JSON marker, before the binary form, are still read.
public enum CommandEntry {
    static let marker: UInt8 = 0xC2
    static let jsonMarker: UInt8 = 0xC1
    public static let idCount = 16

    public static func encode(_ command: Command, id: [UInt8]) -> [UInt8] {
        precondition(id.count == idCount, "a proposal id is \(idCount) bytes")
        var writer = ByteWriter(capacity: 256)
        writer.write(marker)
        writer.write(raw: id)
        command.write(to: &writer)
        return writer.bytes
    }

    public static func id(of data: [UInt8]) -> [UInt8]? {
        guard data.count > 1 + idCount, data[0] == marker || data[0] == jsonMarker else { return nil }
        return Array(data[1...idCount])
    }

    public static func command(in data: [UInt8]) throws -> Command {
        guard data.count > 1 + idCount else { throw DecodingFailure.truncated }
        switch data[0] {
        case marker:
            var reader = ByteReader(data, from: 1 + idCount)
            let command = try Command(reading: &reader)
            try reader.expectEnd()
            return command
        case jsonMarker:
            // The decoder's own error could quote the entry; this one names nothing in it.
            guard let command = try? JSONDecoder.shared.decode(Command.self, from: Data(data[(1 + idCount)...])) else {
                throw DecodingFailure.invalid("JSON command")
            }
            return command
        default:
            throw DecodingFailure.invalid("entry marker")
        }
    }
}
