import COpenSSL

/// AES-256-GCM through the system libcrypto: a 12-byte nonce, a 16-byte tag appended to
/// the ciphertext.
public enum AESGCM {
    public static let keyCount = 32
    public static let nonceCount = 12
    public static let tagCount = 16

    /// Encrypts `plaintext`; the result is ciphertext followed by the tag.
    public static func seal(
        _ plaintext: UnsafeRawBufferPointer, key: SecureBytes, nonce: [UInt8], authenticating aad: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        precondition(key.count == keyCount && nonce.count == nonceCount)
        guard let context = EVP_CIPHER_CTX_new() else { throw .failed("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: plaintext.count + tagCount)
        let ok: Bool = key.withUnsafeBytes { keyBytes in
            output.withUnsafeMutableBufferPointer { out in
                var length: Int32 = 0
                guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceCount), nil) == 1,
                      EVP_EncryptInit_ex(context, nil, nil, keyBytes.bindMemory(to: UInt8.self).baseAddress, nonce) == 1,
                      aad.isEmpty || EVP_EncryptUpdate(context, nil, &length, aad, Int32(aad.count)) == 1
                else { return false }
                var written: Int32 = 0
                if plaintext.count > 0 {
                    guard EVP_EncryptUpdate(context, out.baseAddress, &written,
                                            plaintext.bindMemory(to: UInt8.self).baseAddress, Int32(plaintext.count)) == 1
                    else { return false }
                }
                var final: Int32 = 0
                guard EVP_EncryptFinal_ex(context, out.baseAddress! + Int(written), &final) == 1 else { return false }
                return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagCount),
                                           out.baseAddress! + plaintext.count) == 1
            }
        }
        guard ok else { throw .failed("AES-256-GCM encryption") }
        return output
    }

    /// Decrypts and authenticates; any tampering, a wrong key or wrong `aad` throws.
    public static func open(
        _ sealed: [UInt8], key: SecureBytes, nonce: [UInt8], authenticating aad: [UInt8]
    ) throws(CryptoError) -> SecureBytes {
        guard key.count == keyCount, nonce.count == nonceCount, sealed.count >= tagCount else {
            throw .authenticationFailed
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw .failed("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        let plaintextCount = sealed.count - tagCount
        let plaintext = SecureBytes(count: plaintextCount)
        var tag = Array(sealed[plaintextCount...])
        let ok: Bool = key.withUnsafeBytes { keyBytes in
            plaintext.withUnsafeMutableBytes { out in
                sealed.withUnsafeBufferPointer { input in
                    var length: Int32 = 0
                    guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                          EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceCount), nil) == 1,
                          EVP_DecryptInit_ex(context, nil, nil, keyBytes.bindMemory(to: UInt8.self).baseAddress, nonce) == 1,
                          aad.isEmpty || EVP_DecryptUpdate(context, nil, &length, aad, Int32(aad.count)) == 1
                    else { return false }
                    var written: Int32 = 0
                    if plaintextCount > 0 {
                        guard EVP_DecryptUpdate(context, out.bindMemory(to: UInt8.self).baseAddress, &written,
                                                input.baseAddress, Int32(plaintextCount)) == 1
                        else { return false }
                    }
                    guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagCount), &tag) == 1 else { return false }
                    var final: Int32 = 0
                    var scratch = [UInt8](repeating: 0, count: 16)
                    return EVP_DecryptFinal_ex(context, &scratch, &final) == 1
                }
            }
        }
        guard ok else { throw .authenticationFailed }
        return plaintext
    }
}

public enum CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    case failed(String)
    case authenticationFailed

    public var description: String {
        switch self {
        case .failed(let step): "\(step) failed in libcrypto"
        case .authenticationFailed: "decryption failed: wrong key or tampered data"
        }
    }
}

public enum SHA256 {
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        let input = Array(data)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = EVP_Digest(input, input.count, &digest, &length, EVP_sha256(), nil)
        precondition(ok == 1 && length == 32, "SHA-256 failed in libcrypto")
        return digest
    }

    public static func hmac(key: SecureBytes, message: some Collection<UInt8>) -> [UInt8] {
        let message = Array(message)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBytes in
            HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count), message, message.count, &digest, &length)
        }
        precondition(result != nil && length == 32, "HMAC-SHA256 failed in libcrypto")
        return digest
    }
}
