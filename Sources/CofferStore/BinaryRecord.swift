import Foundation

/// A value with a compact binary form, for the rows of the keyspace and the commands in Raft
/// entries. Every node encodes and decodes these on every write; as JSON (through Codable)
/// they were a quarter of a 3-node cluster's CPU under load.
public protocol BinaryRecord {
    func write(to writer: inout ByteWriter)
    init(reading reader: inout ByteReader) throws(DecodingFailure)
}

/// How a stored row says which form it is in. Rows written before the binary form are JSON
/// objects, so they begin with `{`; binary rows begin with this tag.
enum StoredForm {
    static let binary: UInt8 = 0x01
    static let json = UInt8(ascii: "{")
}

/// Bounds on what a row or entry may claim, so a corrupt length fails cleanly. They are as
/// wide as what the writers accept: anything written can be read back. A text field can be
/// as long as the request that carried it (the API takes bodies up to 1 MiB, and a token name
/// of 100 characters can be far longer in bytes); a list as long as the 16-bit position each
/// rotated secret has in the audit trail allows.
enum RecordLimits {
    static let text = 1024 * 1024
    static let sealedField = 1024 * 1024
    static let listItems = Int(UInt16.max)
}

func encode<Value: BinaryRecord>(_ value: Value) -> [UInt8] {
    var writer = ByteWriter(capacity: 128)
    writer.write(StoredForm.binary)
    value.write(to: &writer)
    return writer.bytes
}

/// Reads a row in either form: binary, or JSON as rows were written before.
func decode<Value: BinaryRecord & Decodable>(_ type: Value.Type, _ bytes: [UInt8]) throws -> Value {
    switch bytes.first {
    case StoredForm.binary:
        do {
            var reader = ByteReader(bytes)
            _ = try reader.readByte()
            let value = try Value(reading: &reader)
            try reader.expectEnd()
            return value
        } catch {
            throw StoreError.corrupt("cannot decode \(Value.self): \(error)")
        }
    case StoredForm.json:
        return try decodeJSON(type, bytes)
    default:
        throw StoreError.corrupt("cannot decode \(Value.self): unknown form")
    }
}

func decodeJSON<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8]) throws -> Value {
    do { return try JSONDecoder.shared.decode(type, from: Data(bytes)) } catch { throw StoreError.corrupt("cannot decode \(Value.self)") }
}

extension ByteWriter {
    mutating func write(optional value: String?) {
        write(value != nil)
        if let value { write(string: value) }
    }

    mutating func write(optional value: UInt64?) {
        write(value != nil)
        if let value { write(value) }
    }

    mutating func write(texts: [String]) {
        write(UInt32(texts.count))
        for text in texts { write(string: text) }
    }

    mutating func write<Record: BinaryRecord>(list: [Record]) {
        write(UInt32(list.count))
        for item in list { item.write(to: &self) }
    }
}

extension ByteReader {
    mutating func readText() throws(DecodingFailure) -> String { try readString(max: RecordLimits.text) }

    /// A count that a setting holds, written as a UInt64; out of range is left for the
    /// keyspace to reject, so it must only fit an Int.
    mutating func readSmallCount() throws(DecodingFailure) -> Int {
        let value = try readUInt64()
        guard value <= UInt64(UInt16.max) else { throw .invalid("count \(value)") }
        return Int(value)
    }

    mutating func readTexts() throws(DecodingFailure) -> [String] {
        let count = try readCount(max: RecordLimits.listItems)
        var texts: [String] = []
        texts.reserveCapacity(count)
        for _ in 0..<count { texts.append(try readText()) }
        return texts
    }

    mutating func readOptionalText() throws(DecodingFailure) -> String? {
        try readBool() ? try readText() : nil
    }

    mutating func readOptionalUInt64() throws(DecodingFailure) -> UInt64? {
        try readBool() ? try readUInt64() : nil
    }

    mutating func readList<Record: BinaryRecord>(of type: Record.Type) throws(DecodingFailure) -> [Record] {
        let count = try readCount(max: RecordLimits.listItems)
        var list: [Record] = []
        list.reserveCapacity(count)
        for _ in 0..<count { list.append(try Record(reading: &self)) }
        return list
    }
}
