import NIOCore

/// Everything a `PeerTransport` needs besides its callbacks.
public struct PeerTransportConfiguration: Sendable {
    /// PEM files of the cluster CA, this node's certificate (chain) and its private key.
    public struct TLSFiles: Sendable, Equatable {
        public var caFile: String
        public var certificateFile: String
        public var privateKeyFile: String

        public init(caFile: String, certificateFile: String, privateKeyFile: String) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
        }
    }

    public var nodeID: String
    public var listenHost: String
    /// 0 picks an ephemeral port; `PeerTransport.listeningPort` tells which.
    public var listenPort: Int
    public var tls: TLSFiles
    public var maxPayloadLength: Int = PeerFrame.defaultMaxPayloadLength
    /// Frames (and calls) waiting or in flight per peer; more are dropped.
    public var outboundQueueLimit: Int = 1024
    /// Payload bytes waiting or in flight per peer; more are dropped (but one frame of any allowed
    /// size always fits in an empty queue).
    public var outboundQueueByteLimit: Int = 64 * 1024 * 1024
    /// Requests handled at once per inbound connection; more are dropped (their callers time out).
    public var inboundConcurrentRequestLimit: Int = 256
    public var connectTimeout: TimeAmount = .seconds(2)
    /// Bounds on accepted connections. Members need one inbound connection each (and one more
    /// while they reconnect), so a few per address are plenty; an inbound connection idle this
    /// long is closed (the member dials again when it next sends).
    public var inboundLimits = ConnectionLimits(maxConnections: 256, maxConnectionsPerAddress: 32,
                                                handshakeTimeout: .seconds(10), idleTimeout: .seconds(120))
    /// The first reconnect delay after a failure; it doubles per consecutive failure up to the cap.
    public var reconnectBackoffInitial: TimeAmount = .milliseconds(50)
    public var reconnectBackoffMax: TimeAmount = .seconds(2)

    public init(nodeID: String, listenHost: String, listenPort: Int, tls: TLSFiles) {
        self.nodeID = nodeID
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.tls = tls
    }
}
