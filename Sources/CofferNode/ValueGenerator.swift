import CofferCrypto

/// Random secret values made by the server: letters and digits, safe in any header, URL or
/// JSON string, drawn uniformly from the system CSPRNG.
public enum ValueGenerator {
    public static let defaultLength = 32
    public static let lengths = 8...4096
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    public static func generate(length: Int) -> SecureBytes {
        precondition(lengths.contains(length))
        let value = SecureBytes(count: length)
        value.withUnsafeMutableBytes { bytes in
            for index in 0..<length {
                bytes[index] = alphabet[Int(SecureRandom.uniform(below: UInt32(alphabet.count)))]
            }
        }
        return value
    }
}
