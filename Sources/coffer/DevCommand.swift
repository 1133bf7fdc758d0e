import ArgumentParser
import CofferClient
import CofferCrypto
import CofferNode
import CofferStore
import Foundation

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the embedded default: local Coffer nodes on 127.0.0.1 with their own CA, keys and tokens.",
        discussion: """
            Creates DIR with a CA and node certificates, the master key, admin.token and render.token, an env
            file for the client, and per node DIR/<node-id>/ with its config, data, log and pid. Starts each
            node as its own process and stops them on Ctrl-C or SIGTERM. Run again on the same DIR, it
            reuses everything there.
            """)

    @Option(help: "How many nodes.") var nodes = 1
    @Option(help: "The directory for all state.") var dir = ".coffer-dev"
    @Option(help: "The first node's API port; node i uses this + i - 1.") var apiPort = 8201
    @Option(help: "The first node's peer port; node i uses this + i - 1.") var peerPort = 8301
    @Option(help: """
        How many admins it takes to make an admin or render token: 1, or 2 for the two-person rule \
        (then a second admin token, admin2.token, is made too). Used when DIR is first prepared.
        """) var tokenApprovals = 1
    @Flag(help: "Write the files and exit without starting nodes.") var prepareOnly = false

    func validate() throws {
        guard (1...9).contains(nodes) else { throw ValidationError("--nodes takes 1 to 9") }
        guard ClusterSettings.allowedTokenApprovals.contains(tokenApprovals) else {
            throw ValidationError("--token-approvals takes 1 or 2")
        }
    }

    func run() async throws {
        // Every file this makes (keys by the openssl command too) is the user's alone from
        // the moment it exists: no file is created open and narrowed afterwards.
        umask(0o077)
        let layout = try DevLayout(directory: dir, nodes: nodes, apiPort: apiPort, peerPort: peerPort,
                                   tokenApprovals: tokenApprovals)
        try layout.prepare()
        if let prepared = layout.preparedTokenApprovals, prepared != tokenApprovals {
            Output.note("\(layout.directory) was prepared with --token-approvals \(prepared); that stays (coffer cluster settings changes it).")
        }
        if prepareOnly {
            Output.note("Prepared \(layout.directory). Start a node with: coffer server --config \(layout.configPath(1))")
            return
        }
        let supervisor = NodeSupervisor(layout: layout)
        try supervisor.startAll()
        try await layout.waitUntilHealthy()
        layout.printWelcome()
        await supervisor.runUntilSignalled()
    }
}

/// The files of a dev deployment.
struct DevLayout {
    let directory: String
    let nodes: Int
    let apiPort: Int
    let peerPort: Int
    let tokenApprovals: Int

    init(directory: String, nodes: Int, apiPort: Int, peerPort: Int, tokenApprovals: Int = 1) throws {
        let absolute = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        self.directory = URL(fileURLWithPath: absolute).standardizedFileURL.path
        self.nodes = nodes
        self.apiPort = apiPort
        self.peerPort = peerPort
        self.tokenApprovals = tokenApprovals
    }

    func nodeID(_ index: Int) -> String { "node\(index)" }
    func nodeDirectory(_ index: Int) -> String { directory + "/" + nodeID(index) }
    func configPath(_ index: Int) -> String { nodeDirectory(index) + "/config" }
    func apiURL(_ index: Int) -> String { "https://127.0.0.1:\(apiPort + index - 1)" }
    var addresses: String { (1...nodes).map(apiURL).joined(separator: ",") }

    func prepare() throws {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try DevCertificates.ensureCA(in: directory)
        let keyFile = directory + "/master.key"
        if !files.fileExists(atPath: keyFile) { _ = try MasterKey.create(at: keyFile) }
        try prepareTokens()
        let members = (1...nodes).map {
            MemberRecord(id: nodeID($0), peerAddress: "127.0.0.1:\(peerPort + $0 - 1)", apiAddress: "127.0.0.1:\(apiPort + $0 - 1)")
        }
        for index in 1...nodes {
            let nodeDirectory = self.nodeDirectory(index)
            try files.createDirectory(atPath: nodeDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try DevCertificates.ensureNode(nodeID(index), in: nodeDirectory, caDirectory: directory)
            let config = NodeConfig(
                nodeID: nodeID(index), dataDirectory: "data",
                apiAddress: "127.0.0.1:\(apiPort + index - 1)", peerAddress: "127.0.0.1:\(peerPort + index - 1)",
                tls: .init(caFile: "../ca.pem", certificateFile: "node.pem", privateKeyFile: "node.key"),
                masterKeyFile: "../master.key", bootstrapTokensFile: "../bootstrap-tokens.json",
                initialMembers: nodes == 1 ? [] : members)
            try config.write(to: configPath(index))
        }
        let binary = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).deletingLastPathComponent().path
        try """
            # Source this file to use the dev deployment with the coffer CLI (admin token).
            export PATH="\(binary):$PATH"
            export COFFER_ADDR="\(addresses)"
            export COFFER_CACERT="\(directory)/ca.pem"
            export COFFER_TOKEN_FILE="\(directory)/admin.token"
            unset COFFER_TOKEN

            """.write(toFile: directory + "/env", atomically: true, encoding: .utf8)
    }

    /// The setting in the bootstrap file, once it is written.
    var preparedTokenApprovals: Int? {
        FileManager.default.contents(atPath: directory + "/bootstrap-tokens.json").flatMap { try? BootstrapFile.decode($0).tokenApprovals }
    }

    /// An admin and a render token (and a second admin under the two-person rule), made
    /// once; nodes take their hashes and the setting from bootstrap-tokens.json.
    private func prepareTokens() throws {
        let bootstrap = directory + "/bootstrap-tokens.json"
        guard !FileManager.default.fileExists(atPath: bootstrap) else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var tokens: [(Role, String, String)] = [(.admin, "dev-admin", "admin.token"), (.render, "dev-render", "render.token")]
        if tokenApprovals > 1 { tokens.append((.admin, "dev-admin-2", "admin2.token")) }
        var records: [TokenRecord] = []
        for (role, name, file) in tokens {
            let (token, record) = Tokens.mint(role: role, name: name, at: now, by: .system)
            try PrivateFile.create(directory + "/" + file, bytes: Array((token + "\n").utf8), what: "token file")
            records.append(record)
        }
        let file = BootstrapFile(tokenApprovals: tokenApprovals, tokens: records)
        try JSONEncoder().encode(file).write(to: URL(fileURLWithPath: bootstrap))
    }

    func waitUntilHealthy() async throws {
        let client = try CofferClient(settings: ClientSettings(addresses: [], caFile: directory + "/ca.pem", token: nil))
        defer { Task { await client.shutdown() } }
        for index in 1...nodes {
            let single = try CofferClient(settings: ClientSettings(addresses: [apiURL(index)], caFile: directory + "/ca.pem", token: nil))
            var healthy = false
            for _ in 0..<300 where !healthy {
                healthy = (try? await single.send(.GET, "/healthz"))?.status == 200
                if !healthy { try await Task.sleep(for: .milliseconds(100)) }
            }
            await single.shutdown()
            guard healthy else { throw DevError("\(nodeID(index)) did not become healthy; see \(nodeDirectory(index))/log") }
        }
    }

    func printWelcome() {
        Output.line("Coffer is running (\(nodes) node\(nodes == 1 ? "" : "s")):")
        for index in 1...nodes {
            Output.line("  \(nodeID(index))  \(apiURL(index))  log: \(nodeDirectory(index))/log")
        }
        Output.line("""

            In another shell:
              source \(directory)/env
              printf '%s' 'my-api-key' | coffer secret create ApiKey
              echo 'Authorization: Bearer {{Secrets.ApiKey}}' | COFFER_TOKEN_FILE=\(directory)/render.token coffer render
            Tokens: \(directory)/admin.token (admin), \(directory)/render.token (render). Stop with Ctrl-C.
            """)
    }
}
