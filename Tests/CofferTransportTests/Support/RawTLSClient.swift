import CofferTransport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A bare TLS client that writes whatever bytes a test gives it, to probe the listener's refusals.
final class RawTLSClient: Sendable {
    let channel: any Channel
    private let closed = NIOLockedValueBox(false)

    var isClosed: Bool { closed.withLockedValue { $0 } }

    /// Trusts the cluster CA; presents `certificate` (cluster-signed, or from the foreign CA), or none.
    init(connectingTo port: Int, serverName: String, certificate: (id: String, foreign: Bool)?) async throws {
        let certificates = TestCertificates.shared
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        tls.trustRoots = .file(certificates.clusterDirectory + "/ca.pem")
        if let certificate {
            let files = certificates.files(for: certificate.id, foreign: certificate.foreign)
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(files.certificateFile).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: files.privateKeyFile, format: .pem))
        }
        let context = try NIOSSLContext(configuration: tls)
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHandler(CloseOnError())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let closed = self.closed
        channel.closeFuture.whenComplete { _ in closed.withLockedValue { $0 = true } }
    }

    func write(_ bytes: [UInt8]) {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    func close() async { try? await channel.close() }

    /// The bytes of a valid frame header followed by the payload.
    static func frameBytes(kind: UInt8 = 1, payload: [UInt8], declaredLength: UInt32? = nil) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt16(0xC0FE), UInt8(1), kind, UInt64(7), declaredLength ?? UInt32(payload.count))
        buffer.writeBytes(payload)
        return Array(buffer.readableBytesView)
    }
}

/// Drops whatever the server sends and closes on errors (a refused handshake arrives as one).
private final class CloseOnError: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
