import Foundation

/// The embedded default's certificates, made with the `openssl` command: a cluster CA and one
/// EC P-256 certificate per node, valid as both server and client (the peer port uses mutual TLS).
/// The node's id is its certificate's common name and a DNS name, which peers check.
enum DevCertificates {
    static func ensureCA(in directory: String) throws {
        let key = directory + "/ca.key", certificate = directory + "/ca.pem"
        guard !FileManager.default.fileExists(atPath: certificate) else { return }
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key])
        try openssl(["req", "-x509", "-new", "-key", key, "-sha256", "-days", "3650", "-subj", "/CN=Coffer cluster CA",
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                     "-out", certificate])
    }

    /// `node.pem` and `node.key` in `nodeDirectory`, signed by the CA in `caDirectory`.
    static func ensureNode(_ nodeID: String, in nodeDirectory: String, caDirectory: String) throws {
        let key = nodeDirectory + "/node.key", certificate = nodeDirectory + "/node.pem"
        guard !FileManager.default.fileExists(atPath: certificate) else { return }
        let request = nodeDirectory + "/node.csr", extensions = nodeDirectory + "/node.ext"
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key])
        try openssl(["req", "-new", "-key", key, "-subj", "/CN=\(nodeID)", "-out", request])
        try """
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth,clientAuth
            subjectAltName=DNS:\(nodeID),DNS:localhost,IP:127.0.0.1

            """.write(toFile: extensions, atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", request, "-CA", caDirectory + "/ca.pem", "-CAkey", caDirectory + "/ca.key",
                     "-CAcreateserial", "-days", "825", "-sha256", "-extfile", extensions, "-out", certificate])
        try? FileManager.default.removeItem(atPath: request)
        try? FileManager.default.removeItem(atPath: extensions)
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DevError("openssl \(arguments.first ?? "") failed: \(String(decoding: message, as: UTF8.self))")
        }
    }
}

struct DevError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
