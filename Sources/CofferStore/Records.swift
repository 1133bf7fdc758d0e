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

    public init(id: String, role: Role, name: String, hash: [UInt8], createdAt: Int64, createdBy: Actor) {
        self.id = id
        self.role = role
        self.name = name
        self.hash = hash
        self.createdAt = createdAt
        self.createdBy = createdBy
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
        case rotate, rollback
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
