/// Where a rendered request goes: a host (lowercase ASCII, no trailing dot) and a port, when
/// one is known from the URL or `Host` header. IDNA names must be given in their ASCII
/// (punycode) form; a host with any other byte is no destination.
public struct Destination: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    /// The port given, or the scheme's (443 for https, 80 for http); nil when neither is known.
    public let port: Int?
    /// Whether the host is an IP address (no DNS pattern matches one).
    public let isAddress: Bool

    public var description: String { port.map { "\(host):\($0)" } ?? host }

    /// The destination of an absolute URL (`https://user@host:port/path?q`): the host after
    /// any user part. Nil for a URL with no scheme, no host, or a host that is not ASCII.
    public init?(url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else { return nil }
        var authority = url[schemeEnd.upperBound...]
        if let end = authority.firstIndex(where: { "/?#".contains($0) }) { authority = authority[..<end] }
        // The host is what follows the last '@': `api.stripe.com@evil.example` goes to evil.example.
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let defaultPort: Int? = switch scheme {
        case "https", "wss": 443
        case "http", "ws": 80
        default: nil
        }
        self.init(authority: String(authority), defaultPort: defaultPort)
    }

    /// The destination a `Host` header value names (`host` or `host:port`).
    public init?(hostHeader: String) {
        self.init(authority: hostHeader.trimmingCharacters(in: [" ", "\t"]), defaultPort: nil)
    }

    init?(authority: String, defaultPort: Int?) {
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
/// port it takes the scheme's own (443 for https, 80 for http) or none given.
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
              let parsed = Destination(authority: text.hasPrefix("*.") ? String(text.dropFirst(2)) : text, defaultPort: nil),
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
        } else if let given = destination.port, given != 443, given != 80 {
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
