import Resolver

/// What one client may ask of a node, in the config's `limits` section; every field may be
/// left out for its default.
public struct NodeLimits: Codable, Sendable, Equatable {
    /// The largest rendered output, in bytes (413 past it).
    public var renderMaxOutputBytes: Int?
    /// The most Secrets references in one template (422 past it).
    public var renderMaxReferences: Int?
    /// Open connections on each port (API and peer), all clients together.
    public var maxConnections: Int?
    /// Open connections on each port from one client address.
    public var maxConnectionsPerAddress: Int?
    /// Time for a client to finish its TLS handshake.
    public var handshakeTimeoutMilliseconds: Int?
    /// An API connection with no request in flight is closed after this long.
    public var idleTimeoutMilliseconds: Int?
    /// The locked heap for keys and secret values (a power of two); values past it go to the
    /// ordinary heap (still zeroed when freed), counted by `LockedMemory.unlockedValues`.
    public var lockedMemoryBytes: Int?

    public init(renderMaxOutputBytes: Int? = nil, renderMaxReferences: Int? = nil, maxConnections: Int? = nil,
                maxConnectionsPerAddress: Int? = nil, handshakeTimeoutMilliseconds: Int? = nil,
                idleTimeoutMilliseconds: Int? = nil) {
        self.renderMaxOutputBytes = renderMaxOutputBytes
        self.renderMaxReferences = renderMaxReferences
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.handshakeTimeoutMilliseconds = handshakeTimeoutMilliseconds
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
    }

    public var render: RenderLimits {
        RenderLimits(maxOutputBytes: renderMaxOutputBytes ?? RenderLimits.defaultMaxOutputBytes,
                     maxReferences: renderMaxReferences ?? RenderLimits.defaultMaxReferences)
    }

    /// Every number given must be positive and within reason; checked when the config is read.
    func validate() throws {
        let fields: [(String, Int?, ClosedRange<Int>)] = [
            ("renderMaxOutputBytes", renderMaxOutputBytes, 1...(1 << 30)),
            ("renderMaxReferences", renderMaxReferences, 1...1_000_000),
            ("maxConnections", maxConnections, 1...1_000_000),
            ("maxConnectionsPerAddress", maxConnectionsPerAddress, 1...1_000_000),
            ("handshakeTimeoutMilliseconds", handshakeTimeoutMilliseconds, 1...3_600_000),
            ("idleTimeoutMilliseconds", idleTimeoutMilliseconds, 1...86_400_000),
            ("lockedMemoryBytes", lockedMemoryBytes, 65_536...(1 << 34)),
        ]
        for (name, value, range) in fields {
            if let value, !range.contains(value) {
                throw ServiceError.invalid("limits.\(name) must be in \(range.lowerBound)...\(range.upperBound)")
            }
        }
    }
}
