import CofferCrypto
import NIOSSL

/// The peer port's TLS policy: TLS 1.3 only, both sides present a certificate and verify the
/// other's chain against the cluster CA alone (never the system roots).
struct PeerTLS: Sendable {
    let serverContext: NIOSSLContext
    let clientContext: NIOSSLContext

    init(files: PeerTransportConfiguration.TLSFiles) throws {
        let roots = try NIOSSLCertificate.fromPEMFile(files.caFile)
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = NIOSSLPrivateKeySource.privateKey(try TLSKeyFile.privateKey(files.privateKeyFile))

        var server = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        server.minimumTLSVersion = .tlsv13
        server.trustRoots = .certificates(roots)
        // On a server, any verification mode other than .none makes the client certificate mandatory.
        server.certificateVerification = .fullVerification
        self.serverContext = try NIOSSLContext(configuration: server)

        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain
        client.privateKey = key
        client.minimumTLSVersion = .tlsv13
        client.trustRoots = .certificates(roots)
        // With serverHostname set to the peer's node id, this checks the id is in the server's SAN DNS names.
        client.certificateVerification = .fullVerification
        self.clientContext = try NIOSSLContext(configuration: client)
    }
}

/// The node's TLS private key, for the API port as for the peer port.
public enum TLSKeyFile {
    /// A PEM private key from a file only this user can read (see `PrivateFile`); the bytes
    /// read are zeroed once the key is parsed.
    public static func privateKey(_ path: String) throws -> NIOSSLPrivateKey {
        var pem = try PrivateFile.read(path, what: "TLS private key file")
        defer { pem.withUnsafeMutableBytes { SecureBytes.zero($0) } }
        return try NIOSSLPrivateKey(bytes: pem, format: .pem)
    }
}
