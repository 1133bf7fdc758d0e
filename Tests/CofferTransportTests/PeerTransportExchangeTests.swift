import CofferTransport
import NIOCore
import NIOPosix
import Testing

@Suite("Peer transport: exchanging frames over mutual TLS")
struct PeerTransportExchangeTests {
    @Test func twoNodesSendBothWaysInOrderWithAuthenticatedSenders() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2"])
        let (node1, node2) = (nodes[0], nodes[1])
        let expected1to2 = (0..<50).map { "from node1 #\($0)" }
        let expected2to1 = (0..<50).map { "from node2 #\($0)" }
        for text in expected1to2 { node1.send(text, to: "node2") }
        for text in expected2to1 { node2.send(text, to: "node1") }
        #expect(await eventually { node2.texts(from: "node1").count == 50 && node1.texts(from: "node2").count == 50 })
        #expect(node2.texts(from: "node1") == expected1to2)
        #expect(node1.texts(from: "node2") == expected2to1)
        #expect(node1.received.allSatisfy { $0.from == "node2" && $0.kind == .message })
        await shutdownAll(nodes)
    }

    @Test func concurrentCallsGetTheirOwnResponses() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2"])
        let node1 = nodes[0]
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<40 {
                group.addTask { (index, try await node1.call("question \(index)", to: "node2")) }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 40)
        for (index, answer) in answers { #expect(answer == "echo node1 question \(index)") }
        await shutdownAll(nodes)
    }

    @Test func threeNodesCallEveryOtherNode() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2", "node3"])
        for caller in nodes {
            for callee in nodes where callee.id != caller.id {
                #expect(try await caller.call("hello \(callee.id)", to: callee.id) == "echo \(caller.id) hello \(callee.id)")
            }
        }
        for node in nodes {
            #expect(Set(node.received.map(\.from)) == Set(nodes.map(\.id)).subtracting([node.id]))
        }
        await shutdownAll(nodes)
    }

    @Test func callToADownPeerFailsFastThenSucceedsOnceItStarts() async throws {
        // Learn a free port, then leave it closed: node2 is a member nobody answers for yet.
        let probe = try await TestNode("node2", membership: Membership())
        let port = probe.port
        await probe.shutdown()
        let (membership, nodes) = try await startCluster(["node1"])
        let node1 = nodes[0]
        membership.set("node2", "127.0.0.1:\(port)")

        // A generous timeout: failing with "unavailable" rather than "timed out" shows it failed fast.
        await #expect(throws: PeerTransportError.peerUnavailable("node2")) {
            try await node1.call("anyone?", to: "node2", timeout: .seconds(30))
        }

        let node2 = try await TestNode("node2", membership: membership, port: port)
        let answered = await eventually { (try? await node1.call("now?", to: "node2", timeout: .seconds(5))) == "echo node1 now?" }
        #expect(answered)
        // One-way traffic flows again too, over the re-established connection.
        #expect(await eventually { node1.send("ping", to: "node2"); return node2.texts(from: "node1").contains("ping") })
        await shutdownAll(nodes + [node2])
    }

    @Test func aMemberThatMovesIsDialledAtItsNewAddress() async throws {
        let (membership, nodes) = try await startCluster(["node1", "node2"])
        #expect(try await nodes[0].call("old home", to: "node2") == "echo node1 old home")
        // node2 comes back on another port while the old listener still answers.
        let moved = try await TestNode("node2", membership: membership)
        membership.set("node2", moved.address)
        #expect(try await nodes[0].call("new home", to: "node2") == "echo node1 new home")
        #expect(moved.texts(from: "node1") == ["new home"])
        #expect(nodes[1].texts(from: "node1") == ["old home"])
        await shutdownAll(nodes + [moved])
    }

    @Test func callToANonMemberThrowsAtOnce() async throws {
        let (_, nodes) = try await startCluster(["node1"])
        await #expect(throws: PeerTransportError.unknownPeer("node7")) { try await nodes[0].call("?", to: "node7") }
        await #expect(throws: PeerTransportError.unknownPeer("node1")) { try await nodes[0].call("me?", to: "node1") }
        #expect(!nodes[0].send("?", to: "node7"))
        await shutdownAll(nodes)
    }

    @Test func aCallWithoutAnAnswerTimesOut() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2"])
        await #expect(throws: PeerTransportError.timedOut("node2")) {
            try await nodes[0].call("silent please", to: "node2", timeout: .milliseconds(200))
        }
        #expect(nodes[1].received == [Received(kind: .request, text: "silent please", from: "node1")])
        // The connection is still good for the next call.
        #expect(try await nodes[0].call("and now?", to: "node2") == "echo node1 and now?")
        await shutdownAll(nodes)
    }

    @Test func cancellingTheCallerEndsTheCall() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2"])
        let waiting = Task { try await nodes[0].call("silent until cancelled", to: "node2", timeout: .seconds(60)) }
        #expect(await eventually { nodes[1].texts(from: "node1") == ["silent until cancelled"] })
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(try await nodes[0].call("next", to: "node2") == "echo node1 next")
        await shutdownAll(nodes)
    }

    @Test func framesOverTheMaximumAreRefusedBeforeSending() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2"]) { $0.maxPayloadLength = 1024 }
        let big = PeerFrame(kind: .request, payload: ByteBuffer(repeating: 1, count: 1025))
        await #expect(throws: PeerTransportError.frameTooLarge(length: 1025, max: 1024)) {
            try await nodes[0].transport.call(big, to: "node2", timeout: .seconds(5))
        }
        #expect(!nodes[0].transport.send(big, to: "node2"))
        #expect(try await nodes[0].call("small", to: "node2") == "echo node1 small")
        await shutdownAll(nodes)
    }

    /// A TCP listener that accepts connections and never answers the TLS handshake.
    private func silentListener() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    @Test func theOutboundQueueIsBoundedAndDropsNewFrames() async throws {
        let silent = try await silentListener()
        let (membership, nodes) = try await startCluster(["node1"]) { $0.outboundQueueLimit = 4 }
        membership.set("node2", "127.0.0.1:\(silent.localAddress!.port!)")
        let accepted = (0..<10).map { nodes[0].send("frame \($0)", to: "node2") }
        #expect(accepted == Array(repeating: true, count: 4) + Array(repeating: false, count: 6))
        #expect(nodes[0].transport.counters.framesDropped == 6)
        await #expect(throws: PeerTransportError.queueFull("node2")) { try await nodes[0].call("room?", to: "node2") }
        await shutdownAll(nodes)
        try await silent.close()
    }

    @Test func theOutboundQueueIsBoundedInBytesToo() async throws {
        let silent = try await silentListener()
        let (membership, nodes) = try await startCluster(["node1"]) { $0.outboundQueueByteLimit = 1000 }
        membership.set("node2", "127.0.0.1:\(silent.localAddress!.port!)")
        func frame(_ size: Int) -> PeerFrame { PeerFrame(kind: .message, payload: ByteBuffer(repeating: 0, count: size)) }
        let transport = nodes[0].transport
        // Alone, a frame over the byte limit still fits; behind it, nothing more does.
        #expect(transport.send(frame(5000), to: "node2"))
        #expect(!transport.send(frame(1), to: "node2"))
        #expect(transport.counters.framesDropped == 1)
        await shutdownAll(nodes)
        try await silent.close()
    }

    @Test func aHandshakeThatNeverFinishesFailsTheCallInsteadOfHanging() async throws {
        let silent = try await silentListener()
        let (membership, nodes) = try await startCluster(["node1"]) { $0.connectTimeout = .milliseconds(200) }
        membership.set("node2", "127.0.0.1:\(silent.localAddress!.port!)")
        // The call's own timeout is far away: "unavailable" means the connect attempt gave up.
        await #expect(throws: PeerTransportError.peerUnavailable("node2")) {
            try await nodes[0].call("hello?", to: "node2", timeout: .seconds(60))
        }
        await shutdownAll(nodes)
        try await silent.close()
    }

    @Test func sendRefusesRequestsBecauseTheyExpectAnAnswer() async throws {
        let (_, nodes) = try await startCluster(["node1", "node2"])
        #expect(!nodes[0].transport.send(PeerFrame(kind: .request, payload: ByteBuffer(string: "?")), to: "node2"))
        #expect(nodes[0].send("fine", to: "node2"))
        #expect(await eventually { nodes[1].texts(from: "node1") == ["fine"] })
        await shutdownAll(nodes)
    }

    @Test func theClientRefusesAServerThatIsNotTheExpectedNode() async throws {
        let (membership, nodes) = try await startCluster(["node1", "node2", "node3"])
        // node1 believes node2 lives at node3's address: node3's certificate does not name node2.
        membership.set("node2", nodes[2].address)
        await #expect(throws: PeerTransportError.peerUnavailable("node2")) { try await nodes[0].call("who are you?", to: "node2") }
        #expect(nodes[0].transport.counters.serversRefused == 1)
        #expect(nodes[2].received.isEmpty)
        await shutdownAll(nodes)
    }
}
