import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// One region of memory for key material and secret values, locked in RAM (never swapped)
/// and marked `MADV_DONTDUMP` (never in a core file): OpenSSL's secure heap. `SecureBytes`
/// uses it once it is started, and the node puts the secret table's values in it.
public enum LockedHeap {
    public static let defaultBytes = 4 * 1024 * 1024
    /// The smallest block; smaller requests round up to it.
    static let minimumBlock = 32

    /// Starts the heap with `bytes` (a power of two); refuses when the pages cannot be locked
    /// or kept out of dumps, naming the limit to raise.
    public static func start(bytes: Int) throws(LockedHeapError) {
        guard bytes >= 64 * 1024, bytes & (bytes - 1) == 0 else { throw .badSize(bytes) }
        let result = CRYPTO_secure_malloc_init(bytes, minimumBlock)
        guard result == 1 else {
            if result == 2 { CRYPTO_secure_malloc_done() }
            var limit = rlimit()
            getrlimit(__rlimit_resource_t(8), &limit)      // RLIMIT_MEMLOCK, which Swift does not import
            throw .cannotLock(bytes: bytes, memlockLimit: limit.rlim_cur == rlim_t.max ? nil : Int(limit.rlim_cur))
        }
    }

    public static var isStarted: Bool { CRYPTO_secure_malloc_initialized() == 1 }

    /// Bytes in use in the heap.
    public static var used: Int { Int(CRYPTO_secure_used()) }

    /// Zeroed memory from the heap, or nil when it is full (or not started).
    public static func allocate(_ count: Int) -> UnsafeMutableRawPointer? {
        guard isStarted else { return nil }
        return CRYPTO_secure_zalloc(max(count, 1), nil, 0)
    }

    /// Whether `pointer` came from the heap.
    public static func contains(_ pointer: UnsafeRawPointer) -> Bool {
        CRYPTO_secure_allocated(pointer) == 1
    }

    /// Zeroes and frees memory from `allocate`.
    public static func free(_ pointer: UnsafeMutableRawPointer, count: Int) {
        CRYPTO_secure_clear_free(pointer, max(count, 1), nil, 0)
    }
}

public enum LockedHeapError: Error, Sendable, Equatable, CustomStringConvertible {
    case badSize(Int)
    case cannotLock(bytes: Int, memlockLimit: Int?)

    public var description: String {
        switch self {
        case .badSize(let bytes): "locked memory of \(bytes) bytes: give a power of two of at least 65536"
        case .cannotLock(let bytes, let limit):
            "cannot lock \(bytes) bytes of memory for keys and secret values (memlock limit: "
                + (limit.map { "\($0) bytes" } ?? "unlimited")
                + "); raise it (ulimit -l, or LimitMEMLOCK= in the systemd unit) or lower limits.lockedMemoryBytes"
        }
    }
}
