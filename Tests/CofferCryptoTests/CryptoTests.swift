import CofferCrypto
import Foundation
import Testing

@Suite("AES-256-GCM and the envelope")
struct EnvelopeTests {
    let master = MasterKey.generate()

    @Test func sealedValuesOpenWithTheSameNameAndVersion() throws {
        let sealed = try Array("hunter2".utf8).withUnsafeBytes { try Envelope.seal($0, name: "DbPassword", version: 3, with: master) }
        let opened = try Envelope.open(sealed, name: "dbpassword", version: 3, with: master)
        #expect(opened.constantTimeEquals(Array("hunter2".utf8)))
    }

    @Test func ciphertextMovedToAnotherNameOrVersionDoesNotOpen() throws {
        let sealed = try Array("hunter2".utf8).withUnsafeBytes { try Envelope.seal($0, name: "A", version: 1, with: master) }
        #expect(throws: CryptoError.authenticationFailed) { try Envelope.open(sealed, name: "B", version: 1, with: master) }
        #expect(throws: CryptoError.authenticationFailed) { try Envelope.open(sealed, name: "A", version: 2, with: master) }
        #expect(throws: CryptoError.authenticationFailed) { try Envelope.open(sealed, name: "A", version: 1, with: .generate()) }
    }

    @Test func tamperingIsDetected() throws {
        let sealed = try Array("hunter2".utf8).withUnsafeBytes { try Envelope.seal($0, name: "A", version: 1, with: master) }
        var flipped = sealed.ciphertext
        flipped[0] ^= 1
        let tampered = SealedValue(wrappedKey: sealed.wrappedKey, keyNonce: sealed.keyNonce, nonce: sealed.nonce, ciphertext: flipped)
        #expect(throws: CryptoError.authenticationFailed) { try Envelope.open(tampered, name: "A", version: 1, with: master) }
    }

    @Test func everySealUsesAFreshDataKeyAndNonce() throws {
        let first = try Array("same".utf8).withUnsafeBytes { try Envelope.seal($0, name: "A", version: 1, with: master) }
        let second = try Array("same".utf8).withUnsafeBytes { try Envelope.seal($0, name: "A", version: 1, with: master) }
        #expect(first.nonce != second.nonce)
        #expect(first.wrappedKey != second.wrappedKey)
        #expect(first.ciphertext != second.ciphertext)
        #expect(!first.ciphertext.starts(with: Array("same".utf8)))
    }
}

@Suite("Master key file")
struct MasterKeyTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-key-\(UUID())").path

    init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

    @Test func createdWithMode0600AndLoadsBack() throws {
        let path = directory + "/master.key"
        let created = try MasterKey.create(at: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let loaded = try MasterKey.load(from: path)
        #expect(loaded.checkValue == created.checkValue)
        #expect(loaded.matches(checkValue: created.checkValue))
        #expect(!MasterKey.generate().matches(checkValue: created.checkValue))
        #expect(throws: KeyFileError.self) { try MasterKey.create(at: path) }
    }

    @Test func refusesAFileOthersCanRead() throws {
        let path = directory + "/open.key"
        _ = try MasterKey.create(at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect(throws: KeyFileError.refused(.tooOpen("master key file", path, mode: 0o640))) { try MasterKey.load(from: path) }
    }

    @Test func refusesASymbolicLinkToAGoodKeyFile() throws {
        let path = directory + "/real.key", link = directory + "/link.key"
        _ = try MasterKey.create(at: path)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(throws: KeyFileError.refused(.symbolicLink("master key file", link))) { try MasterKey.load(from: link) }
    }

    @Test func refusesAFileOfAnotherUser() throws {
        let path = directory + "/theirs.key"
        _ = try MasterKey.create(at: path)
        let other = geteuid() == 0 ? uid_t(65534) : uid_t(0)
        guard chown(path, other, gid_t(UInt32.max)) == 0 else { return }     // only root can give a file away
        #expect(throws: KeyFileError.refused(.wrongOwner("master key file", path, owner: other, user: geteuid()))) {
            try MasterKey.load(from: path)
        }
    }

    @Test func privateFilesAreCreatedClosedAndNeverReplaced() throws {
        let path = directory + "/token"
        let before = umask(0)
        defer { umask(before) }
        try PrivateFile.create(path, bytes: Array("cft_x\n".utf8), what: "token file")
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        #expect(try PrivateFile.read(path, what: "token file") == Array("cft_x\n".utf8))
        #expect(throws: PrivateFileError.self) { try PrivateFile.create(path, bytes: [1], what: "token file") }
    }

    @Test func refusesAFileOfTheWrongSize() throws {
        let path = directory + "/short.key"
        FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 31), attributes: [.posixPermissions: 0o600])
        #expect(throws: KeyFileError.wrongSize(path)) { try MasterKey.load(from: path) }
    }
}

@Suite("Hashes")
struct HashTests {
    @Test func sha256KnownAnswer() {
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hmacKnownAnswerFromRFC4231() {
        let mac = SHA256.hmac(key: SecureBytes(copying: Array("Jefe".utf8)), message: Array("what do ya want for nothing?".utf8))
        #expect(hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

@Suite("Secure bytes")
struct SecureBytesTests {
    /// An array is copied at once, any other collection byte by byte: both hold the same bytes.
    @Test func copiesOfContiguousAndOtherCollectionsAgree() {
        let source = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for copy in [SecureBytes(copying: source), SecureBytes(copying: source[...]), SecureBytes(copying: source.reversed().reversed()),
                     SecureBytes(copying: source.lazy.map { $0 })] {
            #expect(copy.count == 300)
            #expect(copy.constantTimeEquals(source))
        }
        #expect(SecureBytes(copying: [UInt8]()).count == 0)
    }
}
