import CofferClient
import Foundation
import NIOHTTP1
import Testing

/// The `coffer` executable next to the test bundle (`make test` builds it first).
enum Binary {
    static let coffer: String = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("coffer").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = FileManager.default.currentDirectoryPath + "/.build/debug/coffer"
        precondition(FileManager.default.isExecutableFile(atPath: fallback),
                     "build the coffer executable first (swift build), looked beside \(CommandLine.arguments[0])")
        return fallback
    }()
}

/// What a finished command printed.
struct CommandResult {
    let status: Int32
    let stdout: [UInt8]
    let stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs a program to completion, feeding `input` on stdin.
func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("COFFER_") }
    merged.merge(environment) { $1 }
    process.environment = merged
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(Data(input))
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: Array(out), stderr: String(decoding: err, as: UTF8.self))
}

/// The first of `count` consecutive ports that nothing listens on now, below the kernel's
/// ephemeral range (32768 and up here): a port the kernel picks for an outbound connection
/// (the nodes' own connections to each other among them) cannot take one of these between
/// this check and the node's bind, as it once took the port after a kernel-picked one.
func freePorts(_ count: Int) -> Int {
    while true {
        let base = Int.random(in: 10_000...(32_000 - count))
        if (base..<base + count).allSatisfy(isFree) { return base }
    }
}

private func isFree(_ port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// A real Coffer deployment for one test: files made by `coffer dev --prepare-only` in a
/// temporary directory, and `coffer server` processes started and killed by the test.
final class Deployment: @unchecked Sendable {
    let directory: String
    let nodes: Int
    let apiPort: Int
    private var servers: [Int: Process] = [:]

    /// Proxies by (from, to) node index, when the deployment routes peer traffic through them.
    private(set) var proxies: [[Int]: FaultProxy] = [:]

    /// `proxied` routes every node's traffic to each peer through its own `FaultProxy`;
    /// `snapshotEvery` makes nodes snapshot and compact their logs that often.
    /// With `founders` below `nodes`, only the first `founders` nodes form the cluster; the
    /// others know them but wait to be added.
    /// `limits` is written as each node's `limits` section. `tokenApprovals` 2 starts the
    /// cluster under the two-person rule, with a second admin token in `admin2.token`.
    /// `electionTicks` of 50 ms ticks replaces the default timing (250 ms).
    init(nodes: Int = 1, founders: Int? = nil, proxied: Bool = false, snapshotEvery: Int? = nil,
         limits: [String: Int]? = nil, tokenApprovals: Int = 1, electionTicks: Int? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-e2e-\(UUID())").path
        self.nodes = nodes
        apiPort = freePorts(nodes)
        var peerPort = freePorts(nodes)
        while abs(peerPort - apiPort) < nodes { peerPort = freePorts(nodes) }
        let prepared = try run(Binary.coffer, ["dev", "--prepare-only", "--nodes", "\(nodes)", "--dir", directory,
                                                "--api-port", "\(apiPort)", "--peer-port", "\(peerPort)",
                                                "--token-approvals", "\(tokenApprovals)"])
        guard prepared.status == 0 else { throw HarnessError("coffer dev --prepare-only failed: \(prepared.stderr)") }
        for index in 1...nodes {
            try editConfig(index) { config in
                if let founders, var members = config["initialMembers"] as? [[String: Any]] {
                    members = Array(members.prefix(founders))
                    config["initialMembers"] = members
                }
                if let snapshotEvery { config["raft"] = ["tickMilliseconds": 50, "electionTicks": 10, "snapshotEvery": snapshotEvery] }
                if let electionTicks { config["raft"] = ["tickMilliseconds": 50, "electionTicks": electionTicks] }
                if let limits { config["limits"] = limits }
                guard proxied, var members = config["initialMembers"] as? [[String: Any]] else { return }
                for (position, member) in members.enumerated() {
                    let peer = position + 1
                    guard peer != index, let address = member["peerAddress"] as? String,
                          let port = Int(address.split(separator: ":").last ?? "") else { continue }
                    let proxy = try FaultProxy(to: port)
                    proxies[[index, peer]] = proxy
                    members[position]["peerAddress"] = "127.0.0.1:\(proxy.port)"
                }
                config["initialMembers"] = members
            }
        }
    }

    private func editConfig(_ index: Int, _ edit: (inout [String: Any]) throws -> Void) throws {
        let path = nodeDirectory(index) + "/config"
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        try edit(&config)
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// Node `index`'s peer and API addresses, from its config.
    func member(_ index: Int) -> (peer: String, api: String) {
        let path = nodeDirectory(index) + "/config"
        let config = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any] ?? [:]
        return (config["peerAddress"] as? String ?? "", config["apiAddress"] as? String ?? "")
    }

    /// Cuts every link into and out of node `index`.
    func isolate(_ index: Int) {
        for (pair, proxy) in proxies where pair.contains(index) { proxy.cut() }
    }

    func healAll() {
        for proxy in proxies.values { proxy.heal() }
    }

    /// Starts every node, then waits until they agree on a leader; returns its index.
    func startAll() async throws -> Int {
        for index in 1...nodes { try await start(index) }
        let leader = try await waitForLeader(among: Array(1...nodes))
        try await waitReady()
        return leader
    }

    /// Waits until the bootstrap tokens are applied (the admin token works).
    func waitReady() async throws {
        let client = try self.client(token: adminToken)
        defer { Task { await client.shutdown() } }
        for _ in 0..<200 {
            if let response = try? await client.send(.GET, "/v1/secrets"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("the admin token never started working: \(log(1))")
    }

    /// Waits until every node in `indexes` names the same leader, one of `indexes`.
    func waitForLeader(among indexes: [Int], excluding excluded: Int? = nil) async throws -> Int {
        for _ in 0..<200 {
            var leaders: Set<String> = []
            for index in indexes {
                leaders.insert((try? await status(of: index))?["leader"] as? String ?? "")
            }
            if leaders.count == 1, let name = leaders.first, let leader = Int(name.dropFirst(4)),
               indexes.contains(leader), leader != excluded {
                return leader
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("no agreed leader among \(indexes)")
    }

    /// `GET /v1/cluster` on one node.
    func status(of index: Int) async throws -> [String: Any] {
        let client = try self.client(token: adminToken, only: index)
        defer { Task { await client.shutdown() } }
        return try await client.object(.GET, "/v1/cluster")
    }

    /// This node's applied index, as it reports it.
    func appliedIndex(of index: Int) async throws -> Int {
        let members = try await status(of: index)["members"] as? [[String: Any]] ?? []
        return members.first { $0["id"] as? String == "node\(index)" }?["applied"] as? Int ?? -1
    }

    /// Waits until every node in `indexes` has applied the same index.
    func waitConverged(_ indexes: [Int]) async throws {
        for _ in 0..<300 {
            var applied: Set<Int> = []
            for index in indexes { applied.insert((try? await appliedIndex(of: index)) ?? -1) }
            if applied.count == 1, applied.first! > 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("nodes \(indexes) did not converge")
    }

    deinit {
        for process in servers.values where !hasExited(process.processIdentifier) { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func nodeDirectory(_ index: Int) -> String { directory + "/node\(index)" }
    func url(_ index: Int) -> String { "https://127.0.0.1:\(apiPort + index - 1)" }
    var adminToken: String { token("admin") }
    var renderToken: String { token("render") }

    func token(_ role: String) -> String {
        (try? String(contentsOfFile: directory + "/\(role).token", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// Starts node `index` and waits until it answers /healthz.
    func start(_ index: Int = 1) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.coffer)
        process.arguments = ["server", "--config", nodeDirectory(index) + "/config"]
        let logPath = nodeDirectory(index) + "/log"
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        logFile.seekToEndOfFile()
        process.standardOutput = logFile
        process.standardError = logFile
        process.standardInput = FileHandle.nullDevice
        try process.run()
        servers[index] = process
        let client = try self.client(token: nil, only: index)
        defer { Task { await client.shutdown() } }
        for _ in 0..<200 {
            if let response = try? await client.send(.GET, "/healthz"), response.status == 200 {
                if nodes == 1 { try await waitReady() }
                return
            }
            if hasExited(process.processIdentifier) { throw HarnessError("node\(index) exited at start: \(log(index))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("node\(index) did not become healthy: \(log(index))")
    }

    /// Starts node `index` expecting it to refuse; returns its exit status.
    func startExpectingRefusal(_ index: Int = 1) throws -> CommandResult {
        try run(Binary.coffer, ["server", "--config", nodeDirectory(index) + "/config"])
    }

    /// The process id of node `index`, while it runs.
    func pid(_ index: Int) -> Int32? {
        servers[index].flatMap { hasExited($0.processIdentifier) ? nil : $0.processIdentifier }
    }

    func kill9(_ index: Int = 1) {
        end(index, with: SIGKILL)
    }

    func stop(_ index: Int = 1) {
        end(index, with: SIGTERM)
    }

    /// Sends `signal` and waits until the process has ended, watching /proc rather than
    /// `Process.waitUntilExit`, which never returned once for a node killed while another
    /// one was starting (the Jepsen test's nemesis kills and restarts as clients run).
    private func end(_ index: Int, with signal: Int32) {
        guard let process = servers[index] else { return }
        let pid = process.processIdentifier
        kill(pid, signal)
        while !hasExited(pid) { usleep(5_000) }
    }

    func log(_ index: Int = 1) -> String {
        (try? String(contentsOfFile: nodeDirectory(index) + "/log", encoding: .utf8)) ?? ""
    }

    func client(token: String?, only index: Int? = nil) throws -> CofferClient {
        let addresses = index.map { [url($0)] } ?? (1...nodes).map(url)
        return try CofferClient(settings: ClientSettings(addresses: addresses, caFile: directory + "/ca.pem", token: token))
    }

    /// Keeps `token` in `<name>.token` (closed to others, as the CLI requires) for `cli`.
    func saveToken(_ token: String, as name: String) throws {
        let path = directory + "/\(name).token"
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw HarnessError("cannot write \(path)")
        }
    }

    /// Runs the `coffer` CLI against this deployment with the given token file.
    func cli(_ arguments: [String], input: String = "", tokenFile: String = "admin") throws -> CommandResult {
        try run(Binary.coffer, arguments, input: Array(input.utf8), environment: [
            "COFFER_ADDR": (1...nodes).map(url).joined(separator: ","),
            "COFFER_CACERT": directory + "/ca.pem",
            "COFFER_TOKEN_FILE": directory + "/\(tokenFile).token",
        ])
    }

    /// Every byte under the deployment's directory, file by file (data, logs, configs).
    func allFiles() -> [(path: String, contents: Data)] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var files: [(String, Data)] = []
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               let data = FileManager.default.contents(atPath: path) {
                files.append((path, data))
            }
        }
        return files.sorted { $0.0 < $1.0 }
    }
}

/// Whether `pid` has ended: gone, or a zombie not yet reaped.
func hasExited(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")"), let state = stat[close...].dropFirst(2).first else { return true }
    return state == "Z" || state == "X"
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension CofferClient {
    func json(_ method: HTTPMethod, _ path: String, raw: String) async throws -> ClientResponse {
        try await send(method, path, body: Array(raw.utf8))
    }

    func object(_ method: HTTPMethod, _ path: String) async throws -> [String: Any] {
        let response = try await send(method, path)
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}
