#if canImport(Glibc)
import Glibc
#endif

/// Files that hold keys or tokens: read only when they are regular files (not through a
/// symbolic link), owned by the user running Coffer and closed to group and others; created
/// with mode 0600 from the first byte (`O_CREAT|O_EXCL`), never widened and then narrowed.
public enum PrivateFile {
    /// The file's bytes, at most `maxCount`, after the checks above; `what` names the file in errors.
    public static func read(_ path: String, what: String, maxCount: Int = 1024 * 1024) throws(PrivateFileError) -> [UInt8] {
        let descriptor = try openChecked(path, what: what)
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw .unreadable(what, path, errno: errno) }
            if count == 0 { break }
            bytes += chunk[..<count]
            if bytes.count > maxCount { throw .tooLarge(what, path, max: maxCount) }
        }
        chunk.withUnsafeMutableBytes { explicit_bzero($0.baseAddress!, $0.count) }
        return bytes
    }

    /// Opens `path` for reading after the checks; the caller closes the descriptor.
    public static func openChecked(_ path: String, what: String) throws(PrivateFileError) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw errno == ELOOP ? .symbolicLink(what, path) : .unreadable(what, path, errno: errno)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw .unreadable(what, path, errno: code)
        }
        let failure: PrivateFileError?
        if status.st_mode & S_IFMT != S_IFREG {
            failure = .notRegular(what, path)
        } else if status.st_uid != geteuid() {
            failure = .wrongOwner(what, path, owner: status.st_uid, user: geteuid())
        } else if status.st_mode & 0o077 != 0 {
            failure = .tooOpen(what, path, mode: status.st_mode & 0o777)
        } else {
            failure = nil
        }
        if let failure {
            close(descriptor)
            throw failure
        }
        return descriptor
    }

    /// Creates `path` with mode 0600 holding `bytes`, synced; refuses to replace a file.
    public static func create(_ path: String, bytes: some Collection<UInt8>, what: String) throws(PrivateFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotCreate(what, path, errno: errno) }
        defer { close(descriptor) }
        let data = Array(bytes)
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else { throw .cannotCreate(what, path, errno: errno) }
    }
}

public enum PrivateFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(String, String, errno: Int32)
    case symbolicLink(String, String)
    case notRegular(String, String)
    case wrongOwner(String, String, owner: uid_t, user: uid_t)
    case tooOpen(String, String, mode: mode_t)
    case tooLarge(String, String, max: Int)
    case cannotCreate(String, String, errno: Int32)

    public var description: String {
        switch self {
        case .unreadable(let what, let path, let code): "cannot read \(what) \(path): \(String(cString: strerror(code)))"
        case .symbolicLink(let what, let path): "\(what) \(path) is a symbolic link; give the file itself"
        case .notRegular(let what, let path): "\(what) \(path) is not a regular file"
        case .wrongOwner(let what, let path, let owner, let user):
            "\(what) \(path) belongs to user \(owner), not to user \(user) who runs Coffer (chown it)"
        case .tooOpen(let what, let path, let mode):
            "\(what) \(path) has mode \(String(mode, radix: 8)); it must not be readable by group or others (chmod 600)"
        case .tooLarge(let what, let path, let max): "\(what) \(path) is larger than \(max) bytes"
        case .cannotCreate(let what, let path, let code): "cannot create \(what) \(path): \(String(cString: strerror(code)))"
        }
    }
}
