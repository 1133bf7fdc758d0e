#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Pages of their own for a scanner's copies of values and its tables (bits of value
/// hashes): kept out of core dumps always, locked out of swap when the memlock limit allows,
/// zeroed and unmapped when the scanner goes. Not the locked heap: a scanner holds every
/// kept version in four forms, and must not crowd out the table's current values there.
final class ScanMemory: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    private let mapped: Int
    private let isLocked: Bool

    /// Regions that could not be locked since start (the memlock limit was reached).
    static var unlockedRegions: Int { unlocked.load(ordering: .relaxed) }
    private static let unlocked = Atomic<Int>(0)

    init(byteCount: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        mapped = max((byteCount + page - 1) / page * page, page)
        guard let base = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), base != MAP_FAILED else {
            fatalError("cannot map \(mapped) bytes for a scanner")
        }
        #if canImport(Glibc)
        _ = madvise(base, mapped, MADV_DONTDUMP)
        #endif
        isLocked = mlock(base, mapped) == 0
        if !isLocked { Self.unlocked.add(1, ordering: .relaxed) }
        bytes = UnsafeMutableRawBufferPointer(start: base, count: byteCount)
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        explicit_bzero(base, mapped)
        if isLocked { munlock(base, mapped) }
        munmap(base, mapped)
    }
}
