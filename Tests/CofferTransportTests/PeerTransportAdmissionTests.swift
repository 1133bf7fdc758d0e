import CofferTransport
import NIOCore
import Testing

@Suite("Peer transport: who may connect, and what closes a connection")
struct PeerTransportAdmissionTests {
    private let validFrame = RawTLSClient.frameBytes(payload: Array("let me in".utf8))

    @Test func aClientCertificateFromAForeignCAIsRefused() async throws {
        let (_, nodes) = try await startCluster(["node1", "node3"])
        let client = try await RawTLSClient(connectingTo: nodes[0].port, serverName: "node1", certificate: ("node3", true))
        client.write(validFrame)
        #expect(await eventually { client.isClosed })
        #expect(nodes[0].transport.counters.handshakesFailed == 1)
        #expect(nodes[0].received.isEmpty)
        await shutdownAll(nodes)
    }

    @Test func aClientWithoutACertificateIsRefused() async throws {
        let (_, nodes) = try await startCluster(["node1"])
        let client = try await RawTLSClient(connectingTo: nodes[0].port, serverName: "node1", certificate: nil)
        client.write(validFrame)
        #expect(await eventually { client.isClosed })
        #expect(nodes[0].transport.counters.handshakesFailed == 1)
        #expect(nodes[0].received.isEmpty)
        await shutdownAll(nodes)
    }

    @Test func aForeignNodeTransportCannotReachTheCluster() async throws {
        let (membership, nodes) = try await startCluster(["node1"])
        // A foreign node1 that even trusts the cluster CA: the cluster still refuses its certificate.
        let foreign = try await TestNode("node3", membership: membership, foreignCertificate: true)
        membership.set("node3", foreign.address)
        await #expect(throws: PeerTransportError.self) { try await foreign.call("hi", to: "node1") }
        #expect(await eventually { nodes[0].transport.counters.handshakesFailed >= 1 })
        #expect(nodes[0].received.isEmpty)
        await shutdownAll(nodes + [foreign])
    }

    @Test func aNonMemberIsRefusedUntilTheMembershipIncludesIt() async throws {
        let (membership, nodes) = try await startCluster(["node1", "node2"])
        let node1 = nodes[0]
        // node9 holds a valid cluster certificate and knows node1, but node1's members lack node9.
        let node9 = try await TestNode("node9", membership: Membership(["node1": node1.address]))
        await #expect(throws: PeerTransportError.self) { try await node9.call("join?", to: "node1") }
        #expect(await eventually { node1.transport.counters.peersRefused >= 1 })
        #expect(node1.received.isEmpty)

        membership.set("node9", node9.address)
        #expect(await eventually { (try? await node9.call("join?", to: "node1")) == "echo node9 join?" })
        #expect(node1.received.allSatisfy { $0.from == "node9" })
        await shutdownAll(nodes + [node9])
    }

    @Test func aRemovedMemberIsCutOffAtItsNextFrame() async throws {
        let (membership, nodes) = try await startCluster(["node1", "node2"])
        let (node1, node2) = (nodes[0], nodes[1])
        #expect(try await node2.call("before", to: "node1") == "echo node2 before")
        // node2 leaves the (shared) membership; its own view of node1 is untouched, so it still sends.
        membership.set("node2", nil)
        node2.send("after", to: "node1")
        #expect(await eventually { node1.transport.counters.peersRefused == 1 })
        // Reconnecting does not help: the handshake is refused now.
        await #expect(throws: PeerTransportError.self) { try await node2.call("again?", to: "node1") }
        #expect(node1.texts(from: "node2") == ["before"])
        await shutdownAll(nodes)
    }

    @Test func aClientPresentingTheServersOwnIdentityIsRefused() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2"])
        let client = try await RawTLSClient(connectingTo: nodes[0].port, serverName: "node1", certificate: ("node1", false))
        client.write(validFrame)
        #expect(await eventually { client.isClosed })
        #expect(nodes[0].transport.counters.peersRefused == 1)
        #expect(nodes[0].received.isEmpty)
        await shutdownAll(nodes)
    }

    @Test func garbageClosesOnlyThatConnection() async throws {
        try await probeWithBadBytes(Array("GET / HTTP/1.1\r\nHost: node1\r\n\r\n".utf8))
    }

    @Test func anUnknownVersionClosesOnlyThatConnection() async throws {
        try await probeWithBadBytes([0xC0, 0xFE, 9, 1] + Array(repeating: 0, count: 12))
    }

    @Test func aResponseSentToAListenerClosesOnlyThatConnection() async throws {
        try await probeWithBadBytes(RawTLSClient.frameBytes(kind: 3, payload: Array("unasked".utf8)))
    }

    @Test func anOversizedLengthClosesOnlyThatConnection() async throws {
        try await probeWithBadBytes(RawTLSClient.frameBytes(payload: [], declaredLength: 1024 * 1024 + 1))
    }

    @Test(arguments: [
        Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8),
        RawTLSClient.frameBytes(kind: 1, payload: Array("a message, not an answer".utf8)),
    ])
    func aDialledPeerThatAnswersWithGarbageLosesTheConnection(answer: [UInt8]) async throws {
        let rogue = try await RawTLSServer(as: "node2", answering: answer)
        let (membership, nodes) = try await startCluster(["node1"])
        membership.set("node2", "127.0.0.1:\(rogue.port)")
        await #expect(throws: PeerTransportError.connectionLost("node2")) { try await nodes[0].call("hello", to: "node2") }
        #expect(nodes[0].transport.counters.malformedFrames == 1)
        await shutdownAll(nodes)
        await rogue.close()
    }

    /// node3 (a member, with a valid certificate) writes `bytes` to node1 over a raw TLS connection:
    /// that connection closes, while node2 and node3's own transport keep reaching node1.
    private func probeWithBadBytes(_ bytes: [UInt8]) async throws {
        let (_, nodes) = try await startCluster(["node1", "node2", "node3"]) { $0.maxPayloadLength = 1024 * 1024 }
        let (node1, node2, node3) = (nodes[0], nodes[1], nodes[2])
        node2.send("before", to: "node1")
        #expect(await eventually { node1.texts(from: "node2") == ["before"] })

        let client = try await RawTLSClient(connectingTo: node1.port, serverName: "node1", certificate: ("node3", false))
        // A valid frame first proves the connection was accepted; then the bad bytes.
        client.write(RawTLSClient.frameBytes(payload: Array("valid".utf8)))
        #expect(await eventually { node1.texts(from: "node3") == ["valid"] })
        #expect(!client.isClosed)
        client.write(bytes)
        #expect(await eventually { client.isClosed })
        #expect(node1.transport.counters.malformedFrames == 1)

        node2.send("after", to: "node1")
        #expect(await eventually { node1.texts(from: "node2") == ["before", "after"] })
        #expect(try await node3.call("still friends?", to: "node1") == "echo node3 still friends?")
        #expect(node1.texts(from: "node3") == ["valid", "still friends?"])
        await shutdownAll(nodes)
    }
}
