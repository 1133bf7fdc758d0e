import CofferCrypto
import Resolver

/// Puts keys and the secret table's values in one locked region kept out of core dumps.
public enum LockedMemory {
    /// Starts the locked heap (`limits.lockedMemoryBytes`, or the default) and has the
    /// resolver allocate values from it; throws, naming the limit to raise, when the memory
    /// cannot be locked.
    public static func start(_ limits: NodeLimits) throws(LockedHeapError) {
        try LockedHeap.start(bytes: limits.lockedMemoryBytes ?? LockedHeap.defaultBytes)
        SecretMemory.install(allocate: { LockedHeap.allocate($0) }, free: { LockedHeap.free($0, count: $1) })
    }

    /// Values that did not fit and live on the ordinary heap.
    public static var unlockedValues: Int { SecretMemory.fallbacks }
}
