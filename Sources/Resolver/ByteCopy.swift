#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies between buffers that do not overlap. A secret value is usually 8 to 32 bytes: two
/// overlapping loads and stores do that without the call and size dispatch of `memcpy`,
/// which keeps longer runs.
enum ByteCopy {
    @inline(__always)
    static func copy(to destination: UnsafeMutablePointer<UInt8>, from source: UnsafeRawPointer, count: Int) {
        let target = UnsafeMutableRawPointer(destination)
        if count >= 16 && count <= 32 {
            let head = source.loadUnaligned(as: SIMD16<UInt8>.self)
            let tail = source.loadUnaligned(fromByteOffset: count &- 16, as: SIMD16<UInt8>.self)
            target.storeBytes(of: head, as: SIMD16<UInt8>.self)
            target.storeBytes(of: tail, toByteOffset: count &- 16, as: SIMD16<UInt8>.self)
        } else if count >= 8 && count < 16 {
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: count &- 8, as: UInt64.self)
        } else {
            memcpy(target, source, count)
        }
    }
}
