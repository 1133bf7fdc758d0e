import CofferStore
import Foundation

/// Everything one node needs to run, read from the file `coffer server --config` takes.
/// Paths are absolute or relative to the config file's folder.
public struct NodeConfig: Codable, Sendable, Equatable {
    public var nodeID: String
    public var dataDirectory: String
    /// `host:port` of the HTTPS API.
    public var apiAddress: String
    /// `host:port` of the mutual-TLS peer port.
    public var peerAddress: String
    public var tls: TLSFiles
    public var masterKeyFile: String
    /// Hashed first tokens, applied once when the keyspace is new.
    public var bootstrapTokensFile: String?
    /// The founding members (this node among them), the same list on every founding node.
    /// Empty: a cluster of this node alone. A node joining later lists none and waits for
    /// `coffer cluster add`.
    public var initialMembers: [MemberRecord]
    /// Raft timing and snapshots; defaults when absent.
    public var raft: RaftTimings?
    /// Bounds on renders and connections; defaults when absent.
    public var limits: NodeLimits?
    /// The usage trail: on, 30 days, five million lines when absent.
    public var usage: UsageTrail.Settings?

    public struct RaftTimings: Codable, Sendable, Equatable {
        public var tickMilliseconds: Int
        public var electionTicks: Int
        public var snapshotEvery: UInt64?

        public init(tickMilliseconds: Int, electionTicks: Int, snapshotEvery: UInt64? = nil) {
            self.tickMilliseconds = tickMilliseconds
            self.electionTicks = electionTicks
            self.snapshotEvery = snapshotEvery
        }
    }

    public struct TLSFiles: Codable, Sendable, Equatable {
        public var caFile: String
        public var certificateFile: String
        public var privateKeyFile: String

        public init(caFile: String, certificateFile: String, privateKeyFile: String) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
        }
    }

    public init(
        nodeID: String, dataDirectory: String, apiAddress: String, peerAddress: String, tls: TLSFiles,
        masterKeyFile: String, bootstrapTokensFile: String? = nil, initialMembers: [MemberRecord] = [],
        raft: RaftTimings? = nil, limits: NodeLimits? = nil, usage: UsageTrail.Settings? = nil
    ) {
        self.nodeID = nodeID
        self.dataDirectory = dataDirectory
        self.apiAddress = apiAddress
        self.peerAddress = peerAddress
        self.tls = tls
        self.masterKeyFile = masterKeyFile
        self.bootstrapTokensFile = bootstrapTokensFile
        self.initialMembers = initialMembers
        self.raft = raft
        self.limits = limits
        self.usage = usage
    }

    /// The limits in force: the config's, or the defaults.
    public var effectiveLimits: NodeLimits { limits ?? NodeLimits() }

    public static func load(from path: String) throws -> NodeConfig {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var config = try JSONDecoder().decode(NodeConfig.self, from: data)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func resolve(_ file: String) -> String { file.hasPrefix("/") ? file : base + "/" + file }
        config.dataDirectory = resolve(config.dataDirectory)
        config.tls = TLSFiles(caFile: resolve(config.tls.caFile), certificateFile: resolve(config.tls.certificateFile),
                              privateKeyFile: resolve(config.tls.privateKeyFile))
        config.masterKeyFile = resolve(config.masterKeyFile)
        config.bootstrapTokensFile = config.bootstrapTokensFile.map(resolve)
        try config.limits?.validate()
        try config.usage?.validate()
        return config
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}

/// A `host:port` pair.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        host = String(text[..<colon])
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}
