import COpenSSL

/// Bytes that hold key material or a secret value: kept in the locked heap once it is started
/// (`LockedHeap`; the ordinary heap before, or when it is full), zeroed when released, and
/// never printed.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    private let storage: UnsafeMutableRawBufferPointer
    private let locked: Bool

    public init(count: Int) {
        if let pointer = LockedHeap.allocate(count) {
            storage = UnsafeMutableRawBufferPointer(start: pointer, count: max(count, 1))
            locked = true
        } else {
            storage = .allocate(byteCount: max(count, 1), alignment: 16)
            storage.initializeMemory(as: UInt8.self, repeating: 0)
            locked = false
        }
        self.count = count
    }

    public convenience init(copying bytes: some Collection<UInt8>) {
        self.init(count: bytes.count)
        // An array is copied at once. Called from another module this initializer is not
        // specialised, and iterating a value byte by byte through the generic collection cost
        // every write 4 % of the leader's CPU.
        let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
            if count > 0 { storage.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: count) }
        }
        if copied == nil {
            _ = UnsafeMutableRawBufferPointer(rebasing: storage[..<count]).initializeMemory(as: UInt8.self, from: bytes)
        }
    }

    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count)
        if count > 0 { storage.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: count) }
    }

    /// `count` bytes from the system's CSPRNG.
    public static func random(count: Int) -> SecureBytes {
        let bytes = SecureBytes(count: count)
        bytes.withUnsafeMutableBytes { SecureRandom.fill($0) }
        return bytes
    }

    deinit {
        if locked {
            LockedHeap.free(storage.baseAddress!, count: storage.count)
        } else {
            OPENSSL_cleanse(storage.baseAddress, storage.count)
            storage.deallocate()
        }
    }

    public let count: Int

    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(rebasing: storage[..<count]))
    }

    public func withUnsafeMutableBytes<Result, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeMutableRawBufferPointer(rebasing: storage[..<count]))
    }

    /// Constant-time equality.
    public func constantTimeEquals(_ other: some Collection<UInt8>) -> Bool {
        let other = Array(other)
        guard other.count == count else { return false }
        return withUnsafeBytes { mine in
            other.withUnsafeBytes { CRYPTO_memcmp(mine.baseAddress, $0.baseAddress, count) == 0 }
        }
    }

    public var description: String { "SecureBytes(\(count) bytes)" }

    /// Zeroes memory that held key material or a value, in a way the compiler keeps.
    public static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        OPENSSL_cleanse(base, buffer.count)
    }
}

public enum SecureRandom {
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        // RAND_bytes fails only if the CSPRNG cannot be seeded; continuing would be unsafe.
        precondition(RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1,
                     "the system random number generator failed")
    }

    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { fill($0) }
        return bytes
    }

    /// A uniformly random value below `bound`, by rejection sampling.
    public static func uniform(below bound: UInt32) -> UInt32 {
        precondition(bound > 0)
        let limit = UInt32.max - UInt32.max % bound
        while true {
            var word: UInt32 = 0
            withUnsafeMutableBytes(of: &word) { fill($0) }
            if word < limit { return word % bound }
        }
    }
}
