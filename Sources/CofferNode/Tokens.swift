import CofferCrypto
import CofferStore

/// Bearer tokens: `cft_<id>_<secret>`. Only the SHA-256 of the secret part is stored; a
/// token is shown once, when it is made, and compared in constant time.
public enum Tokens {
    static let prefix = "cft_"

    /// A new token and the record to store for it.
    public static func mint(
        role: Role, name: String, at: Int64, by: Actor, grant: TokenGrant.Validated = .unbounded
    ) -> (token: String, record: TokenRecord) {
        let id = hex(SecureRandom.bytes(8))
        let secret = base64URL(SecureRandom.bytes(32))
        let record = TokenRecord(id: id, role: role, name: name, hash: SHA256.hash(Array(secret.utf8)),
                                 createdAt: at, createdBy: by, scope: grant.scope, expiresAt: grant.expiresAt,
                                 networks: grant.networks)
        return ("\(prefix)\(id)_\(secret)", record)
    }

    /// The id and secret part of a well-formed token.
    public static func parse(_ token: String) -> (id: String, secret: String)? {
        guard token.hasPrefix(prefix), token.utf8.count < 200 else { return nil }
        let parts = token.dropFirst(prefix.count).split(separator: "_", maxSplits: 1)
        guard parts.count == 2, parts[0].utf8.count == 16, parts[0].utf8.allSatisfy(isHexDigit) else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// Whether `secret` is the one `record` was made for.
    public static func matches(_ secret: String, _ record: TokenRecord) -> Bool {
        SecureBytes(copying: SHA256.hash(Array(secret.utf8))).constantTimeEquals(record.hash)
    }

    /// Lowercase hex, two digits per byte.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            digits.withUTF8Buffer { digits in
                for (offset, byte) in bytes.enumerated() {
                    output[2 * offset] = digits[Int(byte >> 4)]
                    output[2 * offset + 1] = digits[Int(byte & 0x0F)]
                }
            }
            return bytes.count * 2
        }
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var word: UInt32 = 0
            for (offset, byte) in chunk.enumerated() { word |= UInt32(byte) << (16 - 8 * offset) }
            for position in 0..<(chunk.count + 1) { output.append(alphabet[Int(word >> (18 - 6 * position) & 0x3F)]) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }
}
