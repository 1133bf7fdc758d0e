import Foundation

/// A sealed value's bytes travel (in Raft entries) and rest (in the keyspace) as JSON. Each
/// field is written as base64: a JSON array of numbers, which synthesized Codable writes
/// for `[UInt8]`, cost every node about half a millisecond per write to encode and decode.
/// Arrays of numbers are still read, so logs and keyspaces written before stay readable.
extension SealedValue {
    private enum Keys: String, CodingKey {
        case wrappedKey, keyNonce, nonce, ciphertext
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        func bytes(_ key: Keys) throws -> [UInt8] {
            if let text = try? container.decode(String.self, forKey: key) {
                guard let data = Data(base64Encoded: text) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not base64")
                }
                return [UInt8](data)
            }
            return try container.decode([UInt8].self, forKey: key)
        }
        self.init(wrappedKey: try bytes(.wrappedKey), keyNonce: try bytes(.keyNonce), nonce: try bytes(.nonce),
                  ciphertext: try bytes(.ciphertext))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(Data(wrappedKey).base64EncodedString(), forKey: .wrappedKey)
        try container.encode(Data(keyNonce).base64EncodedString(), forKey: .keyNonce)
        try container.encode(Data(nonce).base64EncodedString(), forKey: .nonce)
        try container.encode(Data(ciphertext).base64EncodedString(), forKey: .ciphertext)
    }
}
