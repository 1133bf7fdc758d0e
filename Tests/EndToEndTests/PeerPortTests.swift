import Foundation
import Testing

extension EndToEnd {
    /// The peer port speaks mutual TLS with the cluster CA, and only to current members.
    @Suite("Cluster: the peer port refuses strangers")
    struct PeerPortTests {
        static let genCerts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../cluster/gen-certs.sh").standardizedFileURL.path

        /// `openssl s_client` to the node's peer port with the given client certificate, sending a little data.
        func connect(_ deployment: Deployment, certificate: String?) throws -> String {
            let peer = deployment.member(1).peer
            var arguments = ["s_client", "-connect", peer, "-CAfile", deployment.directory + "/ca.pem", "-tls1_3",
                             "-servername", "node1", "-quiet"]
            if let certificate { arguments += ["-cert", certificate + ".pem", "-key", certificate + ".key"] }
            let result = try run("/usr/bin/openssl", arguments, input: Array("hello".utf8))
            return result.stderr + result.text
        }

        @Test func foreignUnsignedAndNonMemberCertificatesAreRefused() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let foreign = deployment.directory + "/foreign"
            #expect(try run("/bin/sh", [Self.genCerts, foreign, "node1"]).status == 0)
            #expect(try run("/bin/sh", [Self.genCerts, deployment.directory, "node9"]).status == 0)

            #expect(try connect(deployment, certificate: foreign + "/node1").contains("unknown ca"),
                    "a certificate from another CA is refused")
            #expect(try connect(deployment, certificate: nil).contains("certificate required"),
                    "a client without a certificate is refused")
            _ = try connect(deployment, certificate: deployment.directory + "/node9")
            #expect(deployment.log().contains("its certificate names no current member"),
                    "a cluster certificate naming a non-member is refused")
            // The node keeps serving.
            let rendered = try deployment.cli(["render"], input: "ok", tokenFile: "render")
            #expect(rendered.text == "ok")
        }
    }
}
