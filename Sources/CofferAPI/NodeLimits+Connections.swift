import CofferNode
import CofferTransport

extension NodeLimits {
    /// A port's connection limits: the config's where it gives them, the port's own defaults
    /// elsewhere (the API port takes `ConnectionLimits()`; the peer port allows fewer
    /// connections, since members need one each, and keeps them idle longer).
    public func connections(over defaults: ConnectionLimits) -> ConnectionLimits {
        var limits = defaults
        if let maxConnections { limits.maxConnections = maxConnections }
        if let maxConnectionsPerAddress { limits.maxConnectionsPerAddress = maxConnectionsPerAddress }
        if let handshakeTimeoutMilliseconds { limits.handshakeTimeout = .milliseconds(Int64(handshakeTimeoutMilliseconds)) }
        if let idleTimeoutMilliseconds { limits.idleTimeout = .milliseconds(Int64(idleTimeoutMilliseconds)) }
        return limits
    }
}
