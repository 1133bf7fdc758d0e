#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A range of client addresses in CIDR form (`10.0.0.0/8`, `2001:db8::/32`) that a token is
/// bound to. An IPv4 client seen as an IPv4-mapped IPv6 address is the same client.
public struct NetworkRange: Sendable, Equatable, CustomStringConvertible {
    private let address: [UInt8]
    private let prefix: Int

    public static let rule = "a network is an IPv4 or IPv6 address and a prefix length, as in 10.0.0.0/8 or 2001:db8::/32"

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = Self.bytes(of: String(parts[0])),
              parts[1].allSatisfy(\.isASCII), let prefix = Int(parts[1]), (0...address.count * 8).contains(prefix),
              String(prefix) == parts[1] else { return nil }
        self.address = Self.masked(address, prefix)
        self.prefix = prefix
    }

    /// The range's first address and its prefix, as written back.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 4 ? AF_INET : AF_INET6
        _ = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return "\(text)/\(prefix)"
    }

    /// Whether `client` (an address as text, no port) is in this range.
    public func contains(_ client: String) -> Bool {
        guard var bytes = Self.bytes(of: client) else { return false }
        if address.count == 4, bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            bytes = Array(bytes[12...])
        }
        return bytes.count == address.count && Self.masked(bytes, prefix) == address
    }

    /// Whether every address of `other` is in this range.
    public func covers(_ other: NetworkRange) -> Bool {
        other.address.count == address.count && other.prefix >= prefix && Self.masked(other.address, prefix) == address
    }

    private static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func masked(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { offset, byte in
            let bits = min(max(prefix - offset * 8, 0), 8)
            return bits == 8 ? byte : byte & ~(UInt8(0xFF) >> bits)
        }
    }
}
