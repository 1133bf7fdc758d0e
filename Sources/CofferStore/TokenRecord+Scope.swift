/// What a token may reach: the secrets its scope matches, until it expires, from the
/// networks it is bound to.
extension TokenRecord {
    public var patterns: [NamePattern] { scope.compactMap(NamePattern.init) }
    public var ranges: [NetworkRange] { networks.compactMap(NetworkRange.init) }

    /// Whether the token's scope takes in the secret `name`.
    public func allows(secret name: String) -> Bool {
        scope.isEmpty || patterns.contains { $0.matches(name) }
    }

    /// How the audit trail names the token: its id, role and every limit it was made with.
    var auditTarget: String {
        var limits = [role.rawValue]
        if !scope.isEmpty { limits.append("secrets " + scope.joined(separator: ",")) }
        if let expiresAt { limits.append("ttl \((expiresAt &- createdAt) / 1000)s") }
        if !networks.isEmpty { limits.append("networks " + networks.joined(separator: ",")) }
        return "\(id) (\(limits.joined(separator: "; ")))"
    }

    public func isExpired(at now: Int64) -> Bool {
        expiresAt.map { now >= $0 } ?? false
    }

    /// Whether a request from `client` (an address as text) may use the token.
    public func admits(client: String?) -> Bool {
        guard !networks.isEmpty else { return true }
        guard let client else { return false }
        return ranges.contains { $0.contains(client) }
    }

    /// Why `self` may touch a secret that `other` may not (nil when it may not): its scope is
    /// every secret while `other`'s is not, or one of its patterns reaches past `other`'s.
    public func secretsBeyond(_ other: TokenRecord) -> String? {
        guard !other.scope.isEmpty else { return nil }
        guard !scope.isEmpty else { return "its scope is every secret" }
        let theirs = other.patterns
        return patterns.first { pattern in !theirs.contains { $0.covers(pattern) } }.map { "its secret pattern '\($0)' reaches" }
    }

    /// Why `self`, made by `maker`, would reach more than `maker` does (nil if it does not):
    /// a token never makes one broader than itself.
    public func broadening(of maker: TokenRecord) -> String? {
        if let beyond = secretsBeyond(maker) { return "\(beyond), beyond the scope of the token making it" }
        if let limit = maker.expiresAt, (expiresAt ?? .max) > limit {
            return "it would outlive the token making it"
        }
        if !maker.networks.isEmpty {
            let makers = maker.ranges
            guard !networks.isEmpty else { return "it is not bound to networks, and the token making it is" }
            if let loose = ranges.first(where: { range in !makers.contains { $0.covers(range) } }) {
                return "its network \(loose) is not within the networks of the token making it"
            }
        }
        return nil
    }
}
