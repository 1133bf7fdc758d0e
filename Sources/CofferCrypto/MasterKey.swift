#if canImport(Glibc)
import Glibc
#endif

/// The cluster master key: 32 random bytes in a file only its owner may read. It wraps the
/// data keys; it never encrypts a value directly.
public struct MasterKey: Sendable {
    public let key: SecureBytes

    public init(_ key: SecureBytes) {
        precondition(key.count == AESGCM.keyCount)
        self.key = key
    }

    public static func generate() -> MasterKey {
        MasterKey(.random(count: AESGCM.keyCount))
    }

    /// Creates a new key file with mode 0600; refuses to overwrite one.
    public static func create(at path: String) throws(KeyFileError) -> MasterKey {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotCreate(path, errno: errno) }
        defer { close(descriptor) }
        let master = generate()
        let written = master.key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == AESGCM.keyCount, fsync(descriptor) == 0 else { throw .cannotCreate(path, errno: errno) }
        return master
    }

    /// Loads a key file, refusing a symbolic link, a file of another user, one that group or
    /// others may access, or one of the wrong size.
    public static func load(from path: String) throws(KeyFileError) -> MasterKey {
        let descriptor: Int32
        do { descriptor = try PrivateFile.openChecked(path, what: "master key file") } catch {
            throw .refused(error)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotRead(path, errno: errno) }
        guard status.st_size == AESGCM.keyCount else { throw .wrongSize(path) }
        let key = SecureBytes(count: AESGCM.keyCount)
        let count = key.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count == AESGCM.keyCount else { throw .wrongSize(path) }
        return MasterKey(key)
    }

    /// A value that proves a key is the right one without decrypting anything: an HMAC of a
    /// fixed label, stored beside the data when the keyspace is created.
    public var checkValue: [UInt8] {
        SHA256.hmac(key: key, message: Array("coffer master key check v1".utf8))
    }

    public func matches(checkValue: [UInt8]) -> Bool {
        SecureBytes(copying: self.checkValue).constantTimeEquals(checkValue)
    }
}

public enum KeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotCreate(String, errno: Int32)
    case cannotRead(String, errno: Int32)
    case wrongSize(String)
    /// Not a regular file of this user closed to others (see `PrivateFile`).
    case refused(PrivateFileError)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let code): "cannot create master key file \(path): \(String(cString: strerror(code)))"
        case .cannotRead(let path, let code): "cannot read master key file \(path): \(String(cString: strerror(code)))"
        case .wrongSize(let path): "master key file \(path) must hold exactly \(AESGCM.keyCount) bytes"
        case .refused(let error): error.description
        }
    }
}
