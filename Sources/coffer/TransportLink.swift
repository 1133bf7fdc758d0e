import CofferNode
import CofferTransport
import NIOCore

/// Carries the node's peer traffic over the mutual-TLS transport: the first payload byte
/// says what the rest is (a Raft message, a forwarded write, a status call).
struct TransportLink: PeerLink {
    let transport: PeerTransport

    func send(_ kind: PeerFrameKind, _ payload: [UInt8], to member: String) {
        transport.send(PeerFrame(kind: .message, payload: Self.buffer(kind, payload)), to: member)
    }

    func call(_ kind: PeerFrameKind, _ payload: [UInt8], to member: String, timeout: Duration) async throws -> [UInt8] {
        do {
            let answer = try await transport.call(PeerFrame(kind: .request, payload: Self.buffer(kind, payload)), to: member, timeout: timeout)
            return Array(answer.payload.readableBytesView)
        } catch let error as PeerTransportError {
            switch error {
            case .connectionLost, .timedOut: throw PeerCallError.outcomeUnknown(error.description)
            default: throw PeerCallError.notDelivered(error.description)
            }
        }
    }

    private static func buffer(_ kind: PeerFrameKind, _ payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.count + 1)
        buffer.writeInteger(kind.rawValue)
        buffer.writeBytes(payload)
        return buffer
    }

    /// Hands a one-way frame from an authenticated member to the node, on the connection's event
    /// loop. Only Raft messages travel one way; anything else expects an answer and is dropped.
    static func handleMessage(_ frame: PeerFrame, from member: String, node: Node) {
        guard let (kind, body) = split(frame), kind == .raft else { return }
        node.receiveRaft(body, from: member)
    }

    /// Answers a request from an authenticated member.
    static func handleRequest(_ frame: PeerFrame, from member: String, node: Node) async -> PeerFrame? {
        guard let (kind, body) = split(frame) else { return nil }
        let answer: [UInt8]
        switch kind {
        case .raft:
            node.receiveRaft(body, from: member)
            return nil
        case .forwardWrite:
            answer = await node.handleForwardedWrite(body)
        case .status:
            answer = node.handleStatusCall()
        case .usage:
            answer = node.handleUsageCall(body)
        case .auditChain:
            answer = node.handleChainCall(body)
        }
        return PeerFrame(kind: .response, correlationID: frame.correlationID, payload: ByteBuffer(bytes: answer))
    }

    private static func split(_ frame: PeerFrame) -> (PeerFrameKind, [UInt8])? {
        var payload = frame.payload
        guard let code = payload.readInteger(as: UInt8.self), let kind = PeerFrameKind(rawValue: code) else { return nil }
        return (kind, Array(payload.readableBytesView))
    }
}
