/// Where a rendered request goes: a host (lowercase ASCII, no trailing dot) and a port, when
/// one is known from the URL or `Host` header. IDNA names must be given in their ASCII
/// (punycode) form; a host with any other byte is no destination.
public struct Destination: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    /// The port given, or the scheme's (443 for https, 80 for http); nil when neither is known.
    public let port: Int?
    /// Whether the host is an IP address (no DNS pattern matches one).
    public let isAddress: Bool
    /// Whether the scheme encrypts (https, wss), does not (http, ws), or is not known (a `Host` header).
    public let isEncrypted: Bool?

    public var description: String { port.map { "\(host):\($0)" } ?? host }

    /// The destination of an absolute URL (`https://user@host:port/path?q`): the host after
    /// the user part. Nil for anything URL parsers could read two ways: no `scheme://`, an
    /// authority with a backslash, `%`, spaces, control or non-ASCII bytes, or more than one `@`.
    public init?(url: String) {
        let bytes = Array(url.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              Self.isSchemeStart(bytes[0]), bytes[..<colon].allSatisfy(Self.isSchemeByte),
              bytes.count >= colon + 3, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/") else { return nil }
        let start = colon + 3
        let end = bytes[start...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        var authority = bytes[start..<end]
        // WHATWG reads a backslash as '/', other parsers as part of the host or user: no one answer.
        guard authority.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "%") }) else { return nil }
        // The host is what follows the '@': `api.stripe.com@evil.example` goes to evil.example.
        let ats = authority.indices.filter { authority[$0] == UInt8(ascii: "@") }
        guard ats.count <= 1 else { return nil }
        if let at = ats.first { authority = authority[(at + 1)...] }
        // Only schemes whose port and encryption are known: a value must not leave by an unknown one.
        let (defaultPort, encrypted): (Int, Bool)
        switch String(decoding: bytes[..<colon], as: UTF8.self).lowercased() {
        case "https", "wss": (defaultPort, encrypted) = (443, true)
        case "http", "ws": (defaultPort, encrypted) = (80, false)
        default: return nil
        }
        self.init(authority: String(decoding: authority, as: UTF8.self), defaultPort: defaultPort, encrypted: encrypted)
    }

    /// Whether two parts of a request name the same place: the same host, and the same port
    /// where both give one (a `Host` header without a port takes the scheme's).
    public func agrees(with other: Destination) -> Bool {
        host == other.host && (port == nil || other.port == nil || port == other.port)
            && (isEncrypted == nil || other.isEncrypted == nil || isEncrypted == other.isEncrypted)
    }

    /// What two agreeing destinations say together.
    public func merged(with other: Destination) -> Destination {
        Destination(host: host, port: port ?? other.port, isAddress: isAddress, isEncrypted: isEncrypted ?? other.isEncrypted)
    }

    private init(host: String, port: Int?, isAddress: Bool, isEncrypted: Bool?) {
        self.host = host
        self.port = port
        self.isAddress = isAddress
        self.isEncrypted = isEncrypted
    }

    private static func isSchemeStart(_ byte: UInt8) -> Bool { byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A }

    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        isSchemeStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// The destination a `Host` header value names (`host` or `host:port`).
    public init?(hostHeader: String) {
        self.init(authority: hostHeader.trimmingCharacters(in: [" ", "\t"]), defaultPort: nil, encrypted: nil)
    }

    init?(authority: String, defaultPort: Int?, encrypted: Bool?) {
        isEncrypted = encrypted
        var host = Substring(authority)
        var port = defaultPort
        if host.hasPrefix("[") {
            // An IPv6 literal: [::1] or [::1]:8443.
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let given = Self.port(rest.dropFirst()) else { return nil }
                port = given
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            self.host = host.lowercased()
            self.port = port
            isAddress = true
            return
        }
        if let colon = host.lastIndex(of: ":") {
            guard let given = Self.port(host[host.index(after: colon)...]) else { return nil }
            port = given
            host = host[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty, host.utf8.count <= 253,
              host.utf8.allSatisfy({ HostPattern.isHostByte($0) }),
              !host.hasPrefix("."), !host.contains("..") else { return nil }
        self.host = host.lowercased()
        self.port = port
        isAddress = host.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
    }

    private static func port(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy(\.isASCII), let port = Int(text), (1...65_535).contains(port) else { return nil }
        return port
    }
}

/// A destination a secret may be sent to: `api.stripe.com`, `*.stripe.com` (one or more
/// labels in front of stripe.com, never stripe.com itself), either with `:port`. Without a
/// port it takes https or wss on 443, or a `Host` header that names no port; with one, that
/// port whatever the scheme.
public struct HostPattern: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    private let suffix: String
    private let wildcard: Bool
    private let port: Int?

    public static let rule = """
        a host is a DNS name in ASCII (IDNA names in their xn-- form), optionally with a leading '*.' \\
        and a ':port', with no scheme or path
        """

    public init?(_ text: String) {
        guard !text.contains("/"), !text.contains("@"), !text.hasPrefix("["),
              let parsed = Destination(authority: text.hasPrefix("*.") ? String(text.dropFirst(2)) : text, defaultPort: nil, encrypted: nil),
              !parsed.isAddress || !text.hasPrefix("*."), !parsed.host.contains("*"),
              parsed.host.contains(".") || !text.hasPrefix("*.") else { return nil }
        wildcard = text.hasPrefix("*.")
        suffix = parsed.host
        port = parsed.port
        description = (wildcard ? "*." : "") + parsed.description
    }

    public func matches(_ destination: Destination) -> Bool {
        if let port {
            guard destination.port == port else { return false }
        } else if destination.port.map({ $0 != 443 }) ?? false || destination.isEncrypted == false {
            // Clear text (http, ws) only when the pattern names its port, so no value leaves that way by accident.
            return false
        }
        if wildcard {
            return !destination.isAddress && destination.host.hasSuffix("." + suffix)
        }
        return destination.host == suffix
    }

    static func isHostByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D || byte == 0x2E
    }
}
