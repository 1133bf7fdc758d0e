/// A secret value sealed for storage: encrypted under a fresh data key with a fresh nonce,
/// the data key wrapped by the master key. The additional authenticated data binds the
/// secret's (case-folded) name and version, so ciphertext moved to another name or version
/// does not decrypt.
public struct SealedValue: Sendable, Equatable, Codable {
    /// Nonce and data key encrypted under the master key (with its tag).
    public let wrappedKey: [UInt8]
    public let keyNonce: [UInt8]
    public let nonce: [UInt8]
    /// The value encrypted under the data key (with its tag).
    public let ciphertext: [UInt8]

    public init(wrappedKey: [UInt8], keyNonce: [UInt8], nonce: [UInt8], ciphertext: [UInt8]) {
        self.wrappedKey = wrappedKey
        self.keyNonce = keyNonce
        self.nonce = nonce
        self.ciphertext = ciphertext
    }
}

public enum Envelope {
    public static func seal(
        _ value: UnsafeRawBufferPointer, name: String, version: UInt64, with master: MasterKey
    ) throws(CryptoError) -> SealedValue {
        let dataKey = SecureBytes.random(count: AESGCM.keyCount)
        let nonce = SecureRandom.bytes(AESGCM.nonceCount)
        let keyNonce = SecureRandom.bytes(AESGCM.nonceCount)
        let ciphertext = try AESGCM.seal(value, key: dataKey, nonce: nonce, authenticating: valueAAD(name, version))
        let wrapped = try dataKey.withUnsafeBytes { (keyBytes) throws(CryptoError) in
            try AESGCM.seal(keyBytes, key: master.key, nonce: keyNonce, authenticating: keyAAD(name, version))
        }
        return SealedValue(wrappedKey: wrapped, keyNonce: keyNonce, nonce: nonce, ciphertext: ciphertext)
    }

    public static func open(
        _ sealed: SealedValue, name: String, version: UInt64, with master: MasterKey
    ) throws(CryptoError) -> SecureBytes {
        let dataKey = try AESGCM.open(sealed.wrappedKey, key: master.key, nonce: sealed.keyNonce,
                                      authenticating: keyAAD(name, version))
        guard dataKey.count == AESGCM.keyCount else { throw .authenticationFailed }
        return try AESGCM.open(sealed.ciphertext, key: dataKey, nonce: sealed.nonce,
                               authenticating: valueAAD(name, version))
    }

    private static func valueAAD(_ name: String, _ version: UInt64) -> [UInt8] {
        Array("coffer/value/v1|\(name.lowercased())|\(version)".utf8)
    }

    private static func keyAAD(_ name: String, _ version: UInt64) -> [UInt8] {
        Array("coffer/data-key/v1|\(name.lowercased())|\(version)".utf8)
    }
}
