import NIOCore

/// One unit of peer traffic. The transport never looks inside `payload`: what a frame means
/// (a Raft message, a forwarded write, a snapshot chunk) is encoded by its user.
public struct PeerFrame: Sendable, Equatable {
    /// How the transport treats a frame on the receiving side.
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// One-way traffic (Raft messages). Delivered in arrival order per connection.
        case message = 1
        /// Expects an answer. Handled concurrently, so a slow request (a forwarded write
        /// waiting for its commit) never holds up the Raft messages behind it.
        case request = 2
        /// The answer to a request, carrying the request's correlation id.
        case response = 3
    }

    /// Default bound on one payload: large enough for a snapshot chunk, small enough that a
    /// hostile length cannot make a node allocate without limit.
    public static let defaultMaxPayloadLength = 16 * 1024 * 1024

    public var kind: Kind
    /// Matches a response to its request. `call` assigns it; `send` passes it through.
    public var correlationID: UInt64
    public var payload: ByteBuffer

    public init(kind: Kind, correlationID: UInt64 = 0, payload: ByteBuffer = ByteBuffer()) {
        self.kind = kind
        self.correlationID = correlationID
        self.payload = payload
    }
}
