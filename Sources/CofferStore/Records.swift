import CofferCrypto

/// Who did something: a token's id and label. Never the token itself.
public struct Actor: Codable, Sendable, Equatable {
    public let tokenID: String
    public let name: String

    public init(tokenID: String, name: String) {
        self.tokenID = tokenID
        self.name = name
    }

    public static let system = Actor(tokenID: "-", name: "system")
}

/// A secret's metadata. The value lives apart, sealed, under `values`, and each version's
/// metadata under `versions`, so the record stays the same size however often it is rotated.
public struct SecretRecord: Codable, Sendable, Equatable {
    /// As first written; lookups fold case.
    public var name: String
    public var currentVersion: UInt64
    public var createdAt: Int64
    public var createdBy: Actor
    public var updatedAt: Int64
    public var updatedBy: Actor
    /// Where the value may be sent (`HostPattern`s); empty: anywhere.
    public var allowedHosts: [String] = []

    init(name: String, currentVersion: UInt64, createdAt: Int64, createdBy: Actor, updatedAt: Int64, updatedBy: Actor,
         allowedHosts: [String] = []) {
        self.name = name
        self.currentVersion = currentVersion
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
        self.allowedHosts = allowedHosts
    }

    enum CodingKeys: String, CodingKey {
        case name, currentVersion, createdAt, createdBy, updatedAt, updatedBy, allowedHosts
    }

    // Records written before host lists have none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            currentVersion: try container.decode(UInt64.self, forKey: .currentVersion),
            createdAt: try container.decode(Int64.self, forKey: .createdAt), createdBy: try container.decode(Actor.self, forKey: .createdBy),
            updatedAt: try container.decode(Int64.self, forKey: .updatedAt), updatedBy: try container.decode(Actor.self, forKey: .updatedBy),
            allowedHosts: try container.decodeIfPresent([String].self, forKey: .allowedHosts) ?? [])
    }
}

/// A record as stored before version metadata moved to a table of its own: the history was an
/// array inside the record. Read only to move it out.
struct LegacyVersionHistory: Decodable {
    let versions: [VersionInfo]?
}

public struct VersionInfo: Codable, Sendable, Equatable {
    public let version: UInt64
    public let createdAt: Int64
    public let createdBy: Actor
    /// The rotation that made this version, if one did.
    public let rotationID: String?
    /// Set when the version was reported leaked: it can never be current again.
    public var compromise: Compromise? = nil
}

/// Who reported a version leaked, when, and why.
public struct Compromise: Codable, Sendable, Equatable {
    public let at: Int64
    public let by: Actor
    public let reason: String

    public init(at: Int64, by: Actor, reason: String) {
        self.at = at
        self.by = by
        self.reason = reason
    }
}

public enum Role: String, Codable, Sendable, CaseIterable {
    /// Manages secrets, tokens and the cluster; never reads or renders values.
    case admin
    /// Renders templates.
    case render
    /// Reads metadata and the audit trail.
    case audit
}

/// A token as stored: its hash, never the token.
public struct TokenRecord: Codable, Sendable, Equatable {
    public let id: String
    public let role: Role
    public let name: String
    /// SHA-256 of the token's secret part.
    public let hash: [UInt8]
    public let createdAt: Int64
    public let createdBy: Actor
    /// The tokens whose holders saw this one when it was shown: its creator, the creator's
    /// creator, and so on up to a first token. Empty for the first tokens. Whoever holds any
    /// of them may hold this one, so none of them can approve for it.
    public var lineage: [String]
    public var state: TokenState
    /// Patterns over secret names (`NamePattern`): the token touches only secrets one of
    /// them matches. Empty: every secret.
    public let scope: [String]
    /// When the token stops working (ms since 1970, fixed by the leader); nil: never.
    public let expiresAt: Int64?
    /// Client networks (`NetworkRange`) the token is accepted from. Empty: anywhere.
    public let networks: [String]

    public init(id: String, role: Role, name: String, hash: [UInt8], createdAt: Int64, createdBy: Actor,
                lineage: [String] = [], state: TokenState = .active, scope: [String] = [], expiresAt: Int64? = nil,
                networks: [String] = []) {
        self.id = id
        self.role = role
        self.name = name
        self.hash = hash
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.lineage = lineage
        self.state = state
        self.scope = scope
        self.expiresAt = expiresAt
        self.networks = networks
    }

    /// This token and every token whose holder may hold it.
    public var holders: [String] { [id] + lineage }

    /// Stands for the line of every token made before lines were recorded: its maker's maker
    /// is not known, so all such tokens (and the tokens they make) count as one line.
    public static let lineBeforeRecords = "line-before-records"

    /// The line of a token stored before lines were recorded. Decoding gives every such
    /// token the same line, whether it is read from a row or replayed from an old log entry,
    /// so every node agrees.
    static func lineBeforeRecords(madeBy maker: Actor) -> [String] {
        maker == .system ? [] : [maker.tokenID, lineBeforeRecords]
    }

    /// Whether this record was written before lines were: its line is kept as read.
    var isFromBeforeLines: Bool { lineage.last == Self.lineBeforeRecords }

    enum CodingKeys: String, CodingKey {
        case id, role, name, hash, createdAt, createdBy, lineage, state, scope, expiresAt, networks
    }

    // Tokens written before the two-person rule (rows, log entries, bootstrap files) have
    // neither a lineage nor a state: they are in use, of the line before records.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let createdBy = try container.decode(Actor.self, forKey: .createdBy)
        self.init(
            id: try container.decode(String.self, forKey: .id), role: try container.decode(Role.self, forKey: .role),
            name: try container.decode(String.self, forKey: .name), hash: try container.decode([UInt8].self, forKey: .hash),
            createdAt: try container.decode(Int64.self, forKey: .createdAt), createdBy: createdBy,
            lineage: try container.decodeIfPresent([String].self, forKey: .lineage) ?? Self.lineBeforeRecords(madeBy: createdBy),
            state: try container.decodeIfPresent(TokenState.self, forKey: .state) ?? .active,
            scope: try container.decodeIfPresent([String].self, forKey: .scope) ?? [],
            expiresAt: try container.decodeIfPresent(Int64.self, forKey: .expiresAt),
            networks: try container.decodeIfPresent([String].self, forKey: .networks) ?? [])
    }
}

/// Whether a token may be used. Under the two-person rule a new admin or render token waits
/// for a second admin's approval; it is shown to its requester at once but answers 401 until then.
public enum TokenState: Codable, Sendable, Equatable {
    case active
    case awaitingApproval
    case approved(by: Actor, at: Int64)

    public var isUsable: Bool { self != .awaitingApproval }
}

/// Settings that hold for the whole cluster, replicated with the keyspace.
public struct ClusterSettings: Codable, Sendable, Equatable {
    /// How many different admins it takes to make an admin or render token: 1, or 2 for the
    /// two-person rule.
    public var tokenApprovals: Int
    /// A request to lower `tokenApprovals`, waiting for a second admin to make the same one.
    public var pendingChange: SettingsChange?
    /// The longest lifetime a new token may have; nil: any, or none.
    public var maxTokenTTLSeconds: Int64?
    /// How many versions of each secret keep their sealed values (the current one included):
    /// what `rollback --to-version` can reach and what a scan recognizes. Older versions keep
    /// their metadata only.
    public var keptVersions: Int

    public init(tokenApprovals: Int = 1, pendingChange: SettingsChange? = nil, maxTokenTTLSeconds: Int64? = nil,
                keptVersions: Int = ClusterSettings.defaultKeptVersions) {
        self.tokenApprovals = tokenApprovals
        self.pendingChange = pendingChange
        self.maxTokenTTLSeconds = maxTokenTTLSeconds
        self.keptVersions = keptVersions
    }

    public static let allowedTokenApprovals = 1...2
    public static let defaultKeptVersions = 10
    public static let allowedKeptVersions = 1...100

    private enum CodingKeys: String, CodingKey {
        case tokenApprovals, pendingChange, maxTokenTTLSeconds, keptVersions
    }

    /// JSON rows and peer replies from before a field existed read as its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(tokenApprovals: try container.decode(Int.self, forKey: .tokenApprovals),
                  pendingChange: try container.decodeIfPresent(SettingsChange.self, forKey: .pendingChange),
                  maxTokenTTLSeconds: try container.decodeIfPresent(Int64.self, forKey: .maxTokenTTLSeconds),
                  keptVersions: try container.decodeIfPresent(Int.self, forKey: .keptVersions) ?? Self.defaultKeptVersions)
    }
}

/// A settings change one admin asked for, that a second must confirm.
public struct SettingsChange: Codable, Sendable, Equatable {
    public let tokenApprovals: Int
    public let at: Int64
    public let by: Actor
    /// The requesting token's holders (itself and its lineage) when it asked.
    public let holders: [String]

    public init(tokenApprovals: Int, at: Int64, by: Actor, holders: [String]) {
        self.tokenApprovals = tokenApprovals
        self.at = at
        self.by = by
        self.holders = holders
    }
}

/// One line of the audit trail: who changed what, when. Kept in the replicated keyspace.
public struct AuditEvent: Codable, Sendable, Equatable {
    public let index: UInt64
    public let at: Int64
    public let actor: Actor
    public let action: String
    public let target: String
    public let version: UInt64?
    public let rotationID: String?
}

/// One rotation (or rollback) as applied: which secrets became which versions, at which
/// log index. Replicated, so any member can say what a rotation id did.
public struct RotationRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// `leak`: a rotation that marks each secret's version before it compromised.
        case rotate, rollback, leak
    }

    public struct Item: Codable, Sendable, Equatable {
        public let name: String
        public let version: UInt64

        public init(name: String, version: UInt64) {
            self.name = name
            self.version = version
        }
    }

    public let id: String
    public let kind: Kind
    public let index: UInt64
    public let at: Int64
    public let by: Actor
    public let secrets: [Item]
}
