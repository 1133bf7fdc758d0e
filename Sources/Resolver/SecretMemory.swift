import Synchronization

/// Where secret values live. By default the process heap; a node installs a locked heap
/// (pages kept out of swap and out of core dumps) before it loads any value. Resolver depends
/// on nothing of the project, so the node hands it the two functions.
public enum SecretMemory {
    /// Allocates `count` bytes, or nil when the locked heap is full (the value then lives on
    /// the ordinary heap and `fallbacks` counts it).
    public typealias Allocate = @Sendable (_ count: Int) -> UnsafeMutableRawPointer?
    /// Zeroes and frees memory from `Allocate`.
    public typealias Free = @Sendable (_ pointer: UnsafeMutableRawPointer, _ count: Int) -> Void

    private struct Heap: Sendable {
        let allocate: Allocate
        let free: Free
    }

    private static let heap = Mutex<Heap?>(nil)
    private static let fallbackCount = Atomic<Int>(0)

    /// Installs the heap values are allocated from; call once at startup, before any value exists.
    public static func install(allocate: @escaping Allocate, free: @escaping Free) {
        heap.withLock { $0 = Heap(allocate: allocate, free: free) }
    }

    /// Values that did not fit the installed heap since start.
    public static var fallbacks: Int { fallbackCount.load(ordering: .relaxed) }

    /// Memory for one value; `locked` says which heap it came from, for `release`.
    static func allocate(_ count: Int) -> (bytes: UnsafeMutableRawBufferPointer, locked: Bool) {
        if let installed = heap.withLock({ $0 }) {
            if let pointer = installed.allocate(count) {
                return (UnsafeMutableRawBufferPointer(start: pointer, count: count), true)
            }
            fallbackCount.add(1, ordering: .relaxed)
        }
        return (.allocate(byteCount: count, alignment: 16), false)
    }

    static func release(_ bytes: UnsafeMutableRawBufferPointer, locked: Bool) {
        SecretValue.zero(bytes)
        if locked, let installed = heap.withLock({ $0 }) {
            installed.free(bytes.baseAddress!, bytes.count)
        } else {
            bytes.deallocate()
        }
    }
}
