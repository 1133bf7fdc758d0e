import CofferTransport
import Logging
import NIOCore
import Testing

@Suite("Peer transport: start and shutdown")
struct PeerTransportLifecycleTests {
    private func unstartedTransport(_ id: String, port: Int = 0, members: [String: String] = [:]) throws -> PeerTransport {
        let configuration = PeerTransportConfiguration(
            nodeID: id, listenHost: "127.0.0.1", listenPort: port, tls: TestCertificates.shared.files(for: id))
        return try PeerTransport(configuration: configuration, members: { members }, logger: Logger(label: "test"),
                                 onMessage: { _, _ in }, onRequest: { _, _ in nil })
    }

    @Test func missingTLSFilesFailAtConstruction() {
        var configuration = PeerTransportConfiguration(
            nodeID: "node1", listenHost: "127.0.0.1", listenPort: 0, tls: TestCertificates.shared.files(for: "node1"))
        configuration.tls.privateKeyFile = "/nonexistent/node1.key"
        #expect(throws: (any Error).self) {
            try PeerTransport(configuration: configuration, members: { [:] }, logger: Logger(label: "test"),
                                 onMessage: { _, _ in }, onRequest: { _, _ in nil })
        }
    }

    @Test func aTakenPortFailsStartAndNothingWorksBeforeStart() async throws {
        let (_, nodes) = try await startCluster(["node1"])
        let second = try unstartedTransport("node2", port: nodes[0].port, members: ["node1": nodes[0].address])
        await #expect(throws: (any Error).self) { try await second.start() }
        await #expect(throws: PeerTransportError.notStarted) {
            try await second.call(PeerFrame(kind: .request), to: "node1", timeout: .seconds(1))
        }
        await second.shutdown()
        await shutdownAll(nodes)
    }

    @Test func startingTwiceIsRefused() async throws {
        let transport = try unstartedTransport("node1")
        try await transport.start()
        #expect(transport.listeningPort != nil)
        await #expect(throws: PeerTransportError.alreadyStarted) { try await transport.start() }
        await transport.shutdown()
    }

    @Test func shutdownFailsPendingCallsAndRefusesLaterUse() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2"])
        let waiting = Task { try await nodes[0].call("silent forever", to: "node2", timeout: .seconds(60)) }
        #expect(await eventually { nodes[1].texts(from: "node1") == ["silent forever"] })
        await nodes[0].shutdown()
        await #expect(throws: PeerTransportError.shutDown) { try await waiting.value }
        await #expect(throws: PeerTransportError.shutDown) { try await nodes[0].call("again", to: "node2") }
        #expect(!nodes[0].send("again", to: "node2"))
        await nodes[0].shutdown()  // idempotent
        await shutdownAll(nodes)
    }
}
