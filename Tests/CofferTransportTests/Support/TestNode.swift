import CofferTransport
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The membership a test changes at runtime: node id -> "host:port".
final class Membership: Sendable {
    private let box: NIOLockedValueBox<[String: String]>

    init(_ members: [String: String] = [:]) { box = NIOLockedValueBox(members) }

    var provider: PeerTransport.MembersProvider { { [box] in box.withLockedValue { $0 } } }
    var current: [String: String] { box.withLockedValue { $0 } }

    func set(_ nodeID: String, _ address: String?) { box.withLockedValue { $0[nodeID] = address } }
}

/// What a node's inbound handler received, with the sender id the transport authenticated.
struct Received: Sendable, Equatable {
    let kind: PeerFrame.Kind
    let text: String
    let from: String
}

/// A started `PeerTransport` whose handler records every frame and answers requests with
/// "echo <from> <payload>", so a response shows whom the server believed it talked to
/// (except requests starting with "silent", which get no answer).
final class TestNode: Sendable {
    let id: String
    let transport: PeerTransport
    let membership: Membership
    private let inbox = NIOLockedValueBox<[Received]>([])

    var received: [Received] { inbox.withLockedValue { $0 } }
    var port: Int { transport.listeningPort ?? 0 }
    var address: String { "127.0.0.1:\(port)" }

    init(_ id: String, membership: Membership, foreignCertificate: Bool = false, port: Int = 0,
         adjust: (inout PeerTransportConfiguration) -> Void = { _ in }) async throws {
        self.id = id
        self.membership = membership
        var configuration = PeerTransportConfiguration(
            nodeID: id, listenHost: "127.0.0.1", listenPort: port,
            tls: TestCertificates.shared.files(for: id, foreign: foreignCertificate))
        configuration.connectTimeout = .seconds(5)
        adjust(&configuration)
        var logger = Logger(label: "coffer.transport.\(id)")
        logger.logLevel = .warning
        let inbox = self.inbox
        transport = try PeerTransport(
            configuration: configuration, members: membership.provider, logger: logger,
            onMessage: { frame, from in
                inbox.withLockedValue { $0.append(Received(kind: frame.kind, text: String(buffer: frame.payload), from: from)) }
            },
            onRequest: { frame, from in
                let text = String(buffer: frame.payload)
                inbox.withLockedValue { $0.append(Received(kind: frame.kind, text: text, from: from)) }
                guard !text.hasPrefix("silent") else { return nil }
                return PeerFrame(kind: .response, payload: ByteBuffer(string: "echo \(from) \(text)"))
            })
        try await transport.start()
    }

    func texts(from sender: String) -> [String] {
        received.filter { $0.from == sender }.map(\.text)
    }

    @discardableResult
    func send(_ text: String, to nodeID: String) -> Bool {
        transport.send(PeerFrame(kind: .message, payload: ByteBuffer(string: text)), to: nodeID)
    }

    func call(_ text: String, to nodeID: String, timeout: Duration = .seconds(10)) async throws -> String {
        let answer = try await transport.call(PeerFrame(kind: .request, payload: ByteBuffer(string: text)), to: nodeID, timeout: timeout)
        return String(buffer: answer.payload)
    }

    func shutdown() async { await transport.shutdown() }
}

/// Starts nodes on ephemeral ports that all share one membership naming each of them.
func startCluster(_ ids: [String], adjust: @escaping (inout PeerTransportConfiguration) -> Void = { _ in }) async throws
    -> (Membership, [TestNode])
{
    let membership = Membership()
    var nodes: [TestNode] = []
    for id in ids {
        let node = try await TestNode(id, membership: membership, adjust: adjust)
        membership.set(id, node.address)
        nodes.append(node)
    }
    return (membership, nodes)
}

func shutdownAll(_ nodes: [TestNode]) async {
    for node in nodes { await node.shutdown() }
}

/// Polls until `condition` holds; the limit only keeps a broken test from hanging, it is not asserted.
func eventually(_ condition: @Sendable () async -> Bool) async -> Bool {
    for _ in 0..<1000 {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
