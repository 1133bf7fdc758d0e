#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of a render: the bytes, and the generation of the table they came from.
///
/// The bytes live in one malloc'd block that this value owns and frees when it is dropped.
/// Not copyable, so there is exactly one owner and no reference counting: a render costs one
/// `malloc` and one `free`, as a hand-written C resolver's does. An array's storage object
/// cost about 300 instructions more per render to create and release.
public struct RenderedOutput: ~Copyable, @unchecked Sendable {
    private let start: UnsafeMutablePointer<UInt8>?
    public let count: Int
    public let generation: UInt64

    /// Takes ownership of the output's memory.
    init(adopting output: RawOutput, generation: UInt64) {
        start = output.start
        count = output.count
        self.generation = generation
    }

    /// The output holds values: zeroed before it goes back to the allocator.
    deinit {
        if let start { explicit_bzero(start, count) }
        free(start)
    }

    /// Room for `count` bytes of output, for a `RawOutput`; nil when the system has no memory
    /// for it (the render then fails with a problem, instead of ending the process).
    static func allocate(_ count: Int) -> UnsafeMutablePointer<UInt8>? {
        malloc(max(count, 1))?.assumingMemoryBound(to: UInt8.self)
    }

    /// Frees memory from `allocate` that will not be adopted; whatever values were written
    /// into it must be zeroed first.
    static func discard(_ start: UnsafeMutablePointer<UInt8>?) {
        free(start)
    }

    public var isEmpty: Bool { count == 0 }

    /// The bytes, valid only inside `body`.
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(start: start, count: count))
    }

    /// A copy of the bytes as an array.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

/// Output bytes in memory from `RenderedOutput.allocate`, on their way to the `RenderedOutput`
/// that will own them. Copyable, so it can leave the closures of `withUnsafeBytes` and the
/// like, whose results must be; whoever holds it must hand it to `RenderedOutput(adopting:)`.
struct RawOutput {
    let start: UnsafeMutablePointer<UInt8>?
    let count: Int
}
