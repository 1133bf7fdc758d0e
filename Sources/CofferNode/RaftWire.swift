import CofferStore
import Raft

/// Raft messages on the peer wire: a version byte, then the fields in a fixed order. Local
/// inputs (hup, beat, propose) never travel, and decoding refuses them.
enum RaftWire {
    static let version: UInt8 = 1
    static let maxEntries = 100_000

    private static let kinds: [(MessageKind, UInt8)] = [
        (.preVote, 1), (.preVoteResponse, 2), (.vote, 3), (.voteResponse, 4),
        (.append, 5), (.appendResponse, 6), (.heartbeat, 7), (.heartbeatResponse, 8),
        (.snapshotChunk, 9), (.readIndex, 10), (.readIndexResponse, 11), (.timeoutNow, 12), (.transferLeader, 13),
    ]

    static func encode(_ message: Message) -> [UInt8] {
        var writer = ByteWriter(capacity: 128 + message.entries.reduce(0) { $0 + $1.data.count + 32 } + message.chunkData.count)
        writer.write(version)
        writer.write(kinds.first { $0.0 == message.kind }?.1 ?? 0)
        writer.write(message.from)
        writer.write(message.to)
        writer.write(message.term)
        writer.write(message.logTerm)
        writer.write(message.index)
        writer.write(message.commit)
        writer.write(message.reject)
        writer.write(message.rejectHint)
        writer.write(bytes: message.context)
        writer.write(message.forceVote)
        writer.write(UInt32(message.entries.count))
        for entry in message.entries { RaftEncoding.write(entry, to: &writer) }
        writer.write(message.snapshot != nil)
        if let snapshot = message.snapshot { RaftEncoding.write(snapshot, to: &writer) }
        writer.write(UInt64(message.chunkOffset))
        writer.write(message.chunkIsLast)
        writer.write(bytes: message.chunkData)
        writer.write(message.applied)
        return writer.bytes
    }

    /// The largest term or index a peer may send.
    static let maxNumber = UInt64(Int64.max)

    static func decode(_ bytes: [UInt8]) throws(DecodingFailure) -> Message {
        var reader = ByteReader(bytes)
        guard try reader.readByte() == version else { throw .invalid("raft message version") }
        let code = try reader.readByte()
        guard let kind = kinds.first(where: { $0.1 == code })?.0 else { throw .invalid("raft message kind \(code)") }
        var message = Message(kind: kind)
        message.from = try reader.readUInt64()
        message.to = try reader.readUInt64()
        message.term = try reader.readUInt64()
        message.logTerm = try reader.readUInt64()
        message.index = try reader.readUInt64()
        message.commit = try reader.readUInt64()
        message.reject = try reader.readBool()
        message.rejectHint = try reader.readUInt64()
        message.context = try reader.readBytes(max: 1024)
        message.forceVote = try reader.readBool()
        let count = Int(try reader.readUInt32())
        guard count <= maxEntries else { throw .invalid("\(count) entries in one message") }
        for _ in 0..<count { message.entries.append(try RaftEncoding.readEntry(from: &reader)) }
        if try reader.readBool() { message.snapshot = try RaftEncoding.readSnapshotMetadata(from: &reader) }
        let offset = try reader.readUInt64()
        guard offset <= UInt64(Keyspace.maxSnapshotBytes) else { throw .invalid("snapshot chunk offset") }
        message.chunkOffset = Int(offset)
        message.chunkIsLast = try reader.readBool()
        message.chunkData = try reader.readBytes()
        // Added after version 1 shipped: a peer that predates it leaves it out.
        if !reader.isAtEnd { message.applied = try reader.readUInt64() }
        try reader.expectEnd()
        guard message.from != noNode, message.to != noNode else { throw .invalid("raft message without sender or receiver") }
        // Every message between members carries a term; terms and indexes stay far from the
        // end of UInt64, so the core's `+ 1` on them cannot overflow.
        guard message.term != 0 else { throw .invalid("raft message without a term") }
        let fields = [message.term, message.logTerm, message.index, message.commit, message.rejectHint, message.applied,
                      message.snapshot?.index ?? 0, message.snapshot?.term ?? 0]
        guard fields.allSatisfy({ $0 <= maxNumber }),
              message.entries.allSatisfy({ $0.index <= maxNumber && $0.term <= maxNumber }) else {
            throw .invalid("raft message number beyond \(maxNumber)")
        }
        return message
    }
}
