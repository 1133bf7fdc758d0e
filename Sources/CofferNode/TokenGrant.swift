import CofferStore

/// What a new token may reach, as asked for: secret patterns, a lifetime, client networks.
/// Fixed when the token is made; revoke and make another to change it.
public struct TokenGrant: Codable, Sendable, Equatable {
    public var scope: [String]
    public var ttlSeconds: Int64?
    public var networks: [String]

    public init(scope: [String] = [], ttlSeconds: Int64? = nil, networks: [String] = []) {
        self.scope = scope
        self.ttlSeconds = ttlSeconds
        self.networks = networks
    }

    /// The longest lifetime a token can be given: ten years.
    public static let maxTTLSeconds = Keyspace.maxTTLSeconds
    public static let maxPatterns = 100
    public static let maxNetworks = 100

    /// The grant as stored: patterns as given, networks in their canonical form, and the
    /// moment of expiry the leader fixes.
    public struct Validated: Sendable, Equatable {
        public let scope: [String]
        public let expiresAt: Int64?
        public let networks: [String]

        public static let unbounded = Validated(scope: [], expiresAt: nil, networks: [])
    }

    /// Checks every field; `now` is the leader's clock in milliseconds.
    public func validated(now: Int64) throws -> Validated {
        guard scope.count <= Self.maxPatterns, networks.count <= Self.maxNetworks else {
            throw ServiceError.invalid("a token takes at most \(Self.maxPatterns) secret patterns and \(Self.maxNetworks) networks")
        }
        for pattern in scope where NamePattern(pattern) == nil {
            throw ServiceError.invalid("invalid secret pattern '\(pattern)': \(NamePattern.rule)")
        }
        var ranges: [String] = []
        for network in networks {
            guard let range = NetworkRange(network) else { throw ServiceError.invalid("invalid network '\(network)': \(NetworkRange.rule)") }
            ranges.append(range.description)
        }
        var expiresAt: Int64?
        if let ttlSeconds {
            guard (1...Self.maxTTLSeconds).contains(ttlSeconds) else {
                throw ServiceError.invalid("a token's lifetime is 1 second to 10 years")
            }
            expiresAt = now + ttlSeconds * 1000
        }
        return Validated(scope: scope, expiresAt: expiresAt, networks: ranges)
    }

    /// A lifetime as written: a whole number and a unit, `s`, `m`, `h` or `d` (`90s`, `12h`,
    /// `30d`); nil for anything else.
    public static func seconds(_ text: String) -> Int64? {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0, text.first != "+" else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        default: return nil
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: scale)
        return overflow ? nil : seconds
    }
}

/// What a bearer token proves.
public enum Authentication: Sendable {
    case valid(TokenRecord)
    /// Expired: a real token past its time.
    case expired
    /// A wrong, revoked or malformed token, or one bound to networks the client is not in:
    /// all answered alike.
    case refused
}
