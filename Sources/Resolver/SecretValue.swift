#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One secret value: bytes in memory of its own that are zeroed when the last table using
/// them is released. It never prints its bytes.
public final class SecretValue: @unchecked Sendable, CustomStringConvertible {
    public static let maxCount = 64 * 1024

    let bytes: UnsafeMutableRawBufferPointer
    /// The secret's version this value is (0 when the caller does not say), for the usage trail.
    public let version: UInt64
    /// From the locked heap (`SecretMemory`), or the ordinary one.
    private let locked: Bool
    /// Holds CR, LF or NUL: refused unfiltered in a header line or URL.
    let breaksHeaderLine: Bool
    /// Output sizes under one filter, computed once so a render need not scan the value.
    let jsonCount: Int32
    let urlCount: Int32

    public convenience init(copying source: UnsafeRawBufferPointer, version: UInt64 = 0) throws(SecretValueError) {
        guard !source.isEmpty else { throw .empty }
        guard source.count <= Self.maxCount else { throw .tooLarge }
        let (bytes, locked) = SecretMemory.allocate(source.count)
        bytes.copyMemory(from: source)
        self.init(adopting: bytes, locked: locked, version: version)
    }

    public convenience init(_ source: some Collection<UInt8>, version: UInt64 = 0) throws(SecretValueError) {
        guard !source.isEmpty else { throw .empty }
        guard source.count <= Self.maxCount else { throw .tooLarge }
        let (bytes, locked) = SecretMemory.allocate(source.count)
        _ = bytes.initializeMemory(as: UInt8.self, from: source)
        self.init(adopting: bytes, locked: locked, version: version)
    }

    private init(adopting bytes: UnsafeMutableRawBufferPointer, locked: Bool, version: UInt64) {
        self.bytes = bytes
        self.version = version
        self.locked = locked
        let readable = UnsafeRawBufferPointer(bytes)
        breaksHeaderLine = readable.contains { $0 == ASCII.cr || $0 == ASCII.lf || $0 == 0 }
        jsonCount = Int32(Filter.json.encodedCount(readable))
        urlCount = Int32(Filter.url.encodedCount(readable))
    }

    deinit {
        SecretMemory.release(bytes, locked: locked)
    }

    public var count: Int { bytes.count }

    /// Gives the caller the value's bytes for as long as `body` runs (to encrypt or send them).
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(bytes))
    }

    /// Constant-time comparison, for tests and for checking a value without exposing it.
    public func hasSameBytes(as other: some Collection<UInt8>) -> Bool {
        guard other.count == bytes.count else { return false }
        var difference: UInt8 = 0
        for (mine, theirs) in zip(bytes, other) { difference |= mine ^ theirs }
        return difference == 0
    }

    public var description: String { "SecretValue(\(bytes.count) bytes)" }

    static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        explicit_bzero(base, buffer.count)
    }
}

public enum SecretValueError: Error, Sendable, CustomStringConvertible {
    case empty
    case tooLarge

    public var description: String {
        switch self {
        case .empty: "a secret value must not be empty"
        case .tooLarge: "a secret value must be at most \(SecretValue.maxCount) bytes"
        }
    }
}
