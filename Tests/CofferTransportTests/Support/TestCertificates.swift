import CofferTransport
import Foundation

/// Certificates made once per test run by `cluster/gen-certs.sh`: the cluster CA with node1,
/// node2, node3 and node9, and a foreign CA with its own node1 and node3.
struct TestCertificates: Sendable {
    static let shared: TestCertificates = {
        do { return try TestCertificates() } catch { fatalError("cannot make test certificates: \(error)") }
    }()

    let clusterDirectory: String
    let foreignDirectory: String

    private init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-transport-tests-\(UUID().uuidString)").path
        clusterDirectory = root + "/cluster"
        foreignDirectory = root + "/foreign"
        try Self.generate(in: clusterDirectory, nodes: ["node1", "node2", "node3", "node9"])
        try Self.generate(in: foreignDirectory, nodes: ["node1", "node3"])
    }

    /// The node's TLS files signed by the cluster CA (or by the foreign CA, trusting the cluster CA).
    func files(for nodeID: String, foreign: Bool = false) -> PeerTransportConfiguration.TLSFiles {
        let directory = foreign ? foreignDirectory : clusterDirectory
        return .init(caFile: clusterDirectory + "/ca.pem", certificateFile: "\(directory)/\(nodeID).pem",
                     privateKeyFile: "\(directory)/\(nodeID).key")
    }

    static var script: String {
        // Tests/CofferTransportTests/Support/<this file> -> package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("cluster/gen-certs.sh").path
    }

    private static func generate(in directory: String, nodes: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script, directory] + nodes
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "gen-certs.sh exited \(process.terminationStatus)"])
        }
    }
}
