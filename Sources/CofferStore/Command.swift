import CofferCrypto

/// A change to the keyspace. Every change is a command, applied in log order by
/// `Keyspace.apply`; the same commands in the same order give the same keyspace on every
/// node. Commands carry ciphertext only, sealed before they are proposed, and the time at
/// which they were proposed, so applying them reads no clock.
public enum Command: Codable, Sendable, Equatable {
    case createSecret(name: String, value: SealedValue, at: Int64, by: Actor)
    /// A secret that may only be sent to `hosts` from its first moment.
    case createSecretWithHosts(name: String, value: SealedValue, hosts: [String], at: Int64, by: Actor)
    /// Replaces where a secret may be sent (empty: anywhere).
    case setSecretHosts(name: String, hosts: [String], at: Int64, by: Actor)
    /// Replaces every listed secret's value in one step. `version` is the version each
    /// becomes, fixed when the values were sealed (it is bound into their ciphertext).
    case rotateSecrets(id: String, items: [RotationItem], at: Int64, by: Actor)
    /// A rotation back to each secret's previous value: the leader reseals the previous
    /// version under the next version number. Applied exactly like `rotateSecrets`; the
    /// audit trail and the rotation record say it was a rollback.
    case rollbackSecrets(id: String, items: [RotationItem], at: Int64, by: Actor)
    /// A rotation that also marks each secret's version before it compromised (with `reason`)
    /// and revokes the listed tokens (those that rendered a compromised version), in one step.
    case reportLeak(id: String, items: [RotationItem], reason: String, revokeTokens: [String], at: Int64, by: Actor)
    case deleteSecret(name: String, at: Int64, by: Actor)
    case createToken(TokenRecord)
    case revokeToken(id: String, at: Int64, by: Actor)
    /// The first tokens of a new keyspace; applies only once in its life.
    case bootstrapTokens([TokenRecord])
    /// The first tokens and the cluster's settings, in one step; applies only once, like
    /// `bootstrapTokens` (which keyspaces made before the settings were).
    case initialize(tokens: [TokenRecord], tokenApprovals: Int)
    /// A second admin's approval of a token that awaits it.
    case approveToken(id: String, at: Int64, by: Actor)
    /// Raises the number of admins it takes to make an admin or render token at once; a
    /// lower number waits for a second admin to ask for the same.
    case setTokenApprovals(Int, at: Int64, by: Actor)
    /// The longest lifetime a new token may be given (nil: no cap).
    case setMaxTokenTTL(seconds: Int64?, at: Int64, by: Actor)
    /// How many versions of each secret keep their sealed values; lowering it drops the older
    /// ones at once.
    case setKeptVersions(Int, at: Int64, by: Actor)
    /// Records where a cluster member listens (before it joins, or when it moves).
    case setMember(MemberRecord)
    case removeMember(id: String)
    /// An audit line for a change of membership or leadership (made by a Raft configuration
    /// change, which carries no actor or time): `action` is one of `membershipActions`.
    case auditMembership(action: String, member: String, at: Int64, by: Actor)
    /// The audit line of a scan for leaked values: what was scanned (`source`, a label the
    /// caller gave), how many bytes, how many findings, and which versions were found
    /// (`found`, as "NAME vN", at most `maxScanFound`).
    case auditScan(source: String, bytes: UInt64, findings: UInt64, found: [String], at: Int64, by: Actor)
    /// The line a new leader writes for its term, as its first proposal, so every member's
    /// trail shows who led when.
    case auditTerm(term: UInt64, leader: String, at: Int64)

    public static let maxScanFound = 32
    public static let membershipActions = ["cluster.member_add", "cluster.member_promote", "cluster.member_remove", "cluster.leader_transfer"]
}

/// A cluster member's addresses, replicated so every node can reach every other.
public struct MemberRecord: Codable, Sendable, Equatable {
    public let id: String
    public let peerAddress: String
    public let apiAddress: String

    public init(id: String, peerAddress: String, apiAddress: String) {
        self.id = id
        self.peerAddress = peerAddress
        self.apiAddress = apiAddress
    }
}

public struct RotationItem: Codable, Sendable, Equatable {
    public let name: String
    public let version: UInt64
    public let value: SealedValue

    public init(name: String, version: UInt64, value: SealedValue) {
        self.name = name
        self.version = version
        self.value = value
    }
}

/// Why a command changed nothing. Deterministic: every node rejects the same commands.
public enum Rejection: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    case invalidName(String)
    case nameTaken(String)
    case notFound(String)
    /// The secret moved to another version between sealing and applying; retry.
    case versionConflict(String)
    case tokenNotFound(String)
    case duplicateInRotation(String)
    case alreadyBootstrapped
    case notAwaitingApproval(String)
    case approvalExpired(String)
    /// The token that asked may not do this, whatever its role (why, in words): approve for
    /// its own line, or make tokens once revoked.
    case forbidden(String)
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .invalidName: "invalid secret name: a secret name is 1 to 128 characters of A-Z, a-z, 0-9, '_' and '-'"
        case .nameTaken(let name): "a secret named '\(name)' already exists (names are case-insensitive)"
        case .notFound(let name): "no secret named '\(name)'"
        case .versionConflict(let name): "secret '\(name)' changed while this request was in flight; retry"
        case .tokenNotFound(let id): "no token with id '\(id)'"
        case .duplicateInRotation(let name): "secret '\(name)' is listed twice in one rotation"
        case .alreadyBootstrapped: "the keyspace already has its first tokens"
        case .notAwaitingApproval(let id): "token '\(id)' does not await approval"
        case .approvalExpired(let id):
            "token '\(id)' waited more than 24 hours for approval; revoke it and create another"
        case .forbidden(let reason), .invalidRequest(let reason): reason
        }
    }
}

/// What an applied command did.
public enum CommandOutcome: Sendable, Equatable {
    /// An entry that only adds to the audit trail.
    case audited
    case secretCreated(SecretRecord)
    case secretsRotated([SecretRecord])
    case secretDeleted(String)
    case secretHostsSet(SecretRecord)
    case tokenCreated(TokenRecord)
    case tokenRevoked(String)
    case tokenApproved(TokenRecord)
    case bootstrapped
    case settingsChanged(ClusterSettings)
    /// A lower setting was asked for; it waits for a second admin to ask for the same.
    case settingsChangeAwaitingConfirmation(SettingsChange)
    case memberSet(MemberRecord)
    case memberRemoved(String)
}

/// How the value a render can see changed, for the node to update its secret table.
public enum ValueChange: Sendable, Equatable {
    case set(name: String, version: UInt64, value: SealedValue)
    case remove(name: String)
}

public struct AppliedCommand: Sendable {
    public let index: UInt64
    public let result: Result<CommandOutcome, Rejection>
    public let valueChanges: [ValueChange]
}
