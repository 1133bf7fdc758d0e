import Raft

/// Binary forms of Raft's persistent values, shared by the LMDB log and the peer wire format.
public enum RaftEncoding {
    public static func write(_ entry: Entry, to writer: inout ByteWriter) {
        writer.write(entry.index)
        writer.write(entry.term)
        writer.write(entry.kind.rawValue)
        writer.write(bytes: entry.data)
    }

    public static func readEntry(from reader: inout ByteReader) throws(DecodingFailure) -> Entry {
        let index = try reader.readUInt64()
        let term = try reader.readUInt64()
        guard let kind = EntryKind(rawValue: try reader.readByte()) else { throw .invalid("entry kind") }
        return Entry(index: index, term: term, kind: kind, data: try reader.readBytes())
    }

    public static func encode(_ entry: Entry) -> [UInt8] {
        var writer = ByteWriter(capacity: entry.data.count + 24)
        write(entry, to: &writer)
        return writer.bytes
    }

    public static func decodeEntry(_ bytes: [UInt8]) throws(DecodingFailure) -> Entry {
        var reader = ByteReader(bytes)
        let entry = try readEntry(from: &reader)
        try reader.expectEnd()
        return entry
    }

    public static func encode(_ state: HardState) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(state.term)
        writer.write(state.vote)
        writer.write(state.commit)
        return writer.bytes
    }

    public static func decodeHardState(_ bytes: [UInt8]) throws(DecodingFailure) -> HardState {
        var reader = ByteReader(bytes)
        let state = HardState(term: try reader.readUInt64(), vote: try reader.readUInt64(), commit: try reader.readUInt64())
        try reader.expectEnd()
        return state
    }

    public static func write(_ metadata: SnapshotMetadata, to writer: inout ByteWriter) {
        writer.write(metadata.index)
        writer.write(metadata.term)
        writer.write(metadata.confState.voters)
        writer.write(metadata.confState.learners)
    }

    public static func readSnapshotMetadata(from reader: inout ByteReader) throws(DecodingFailure) -> SnapshotMetadata {
        let index = try reader.readUInt64()
        let term = try reader.readUInt64()
        let voters = try reader.readUInt64s()
        let learners = try reader.readUInt64s()
        return SnapshotMetadata(index: index, term: term, confState: ConfState(voters: voters, learners: learners))
    }
}
