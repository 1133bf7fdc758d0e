import CofferStore
import Foundation

/// A write as it travels from the node a client called to the leader, which seals values,
/// proposes the command and answers once it is applied. Sent only over mutual TLS.
public enum WriteRequest: Codable, Sendable {
    case createSecret(name: String, value: ValueSpec, hosts: [String], actor: Actor)
    /// Where a secret may be sent (empty: anywhere).
    case setSecretHosts(name: String, hosts: [String], actor: Actor)
    case rotate(items: [RotationSpec], actor: Actor)
    /// A cluster-wide rotation or rollback whose answer reports every member's state.
    case rotation(RotationRequest, actor: Actor)
    /// Not a write: a rotation's status, which only the leader can tell (it hears every
    /// member's applied index). Forwarded like a write so followers can answer it too.
    case rotationStatus(id: String)
    case deleteSecret(name: String, actor: Actor)
    case createToken(role: Role, name: String, grant: TokenGrant, actor: Actor)
    case revokeToken(id: String, actor: Actor)
    case approveToken(id: String, actor: Actor)
    case setTokenApprovals(Int, actor: Actor)
    case setMaxTokenTTL(seconds: Int64?, actor: Actor)
    case setKeptVersions(Int, actor: Actor)
    case addMember(MemberRecord, actor: Actor)
    case promoteMember(id: String, actor: Actor)
    case removeMember(id: String, actor: Actor)
    case transferLeader(to: String, actor: Actor)
    /// The audit line of a scan for leaked values.
    case auditScan(ScanAudit, actor: Actor)
}

/// What a scan's audit line says: what was scanned, how much, and what was found.
public struct ScanAudit: Codable, Sendable {
    public let source: String
    public let bytes: UInt64
    public let findings: UInt64
    /// The versions found, as "NAME vN", at most `Command.maxScanFound`.
    public let found: [String]

    public init(source: String, bytes: UInt64, findings: UInt64, found: [String]) {
        self.source = source
        self.bytes = bytes
        self.findings = findings
        self.found = found
    }
}

public enum ValueSpec: Codable, Sendable {
    case given([UInt8])
    case generate(length: Int)

    var isGenerated: Bool {
        if case .generate = self { return true }
        return false
    }
}

public struct RotationSpec: Codable, Sendable {
    public let name: String
    public let value: ValueSpec

    public init(name: String, value: ValueSpec) {
        self.name = name
        self.value = value
    }
}

public struct RotationRequest: Codable, Sendable {
    public enum Change: Codable, Sendable {
        case values([RotationSpec])
        /// Each secret to the version before its current one.
        case rollback(names: [String])
        /// One secret to a version it still keeps.
        case rollbackTo(name: String, version: UInt64)
        /// New values, the versions before them marked compromised, and (when asked) the
        /// tokens that rendered those versions revoked, in one entry.
        case leak(specs: [RotationSpec], reason: String, revokeTokens: Bool)
    }

    public static let maxSecrets = 1_000
    public static let defaultWaitMilliseconds = 5_000
    public static let maxWaitMilliseconds = 60_000

    public let change: Change
    /// How long the leader waits for every member to apply; 0 waits for none.
    public let waitMilliseconds: Int

    public init(change: Change, waitMilliseconds: Int) {
        self.change = change
        self.waitMilliseconds = waitMilliseconds
    }

    /// The secrets it changes.
    public var names: [String] {
        switch change {
        case .values(let specs): specs.map(\.name)
        case .rollback(let names): names
        case .rollbackTo(let name, _): [name]
        case .leak(let specs, _, _): specs.map(\.name)
        }
    }
}

extension WriteRequest {
    /// How long a follower waits for the leader's answer to a forwarded request.
    var forwardTimeout: Duration {
        // The wait is checked by the leader; a forwarding node clamps it, so no value a client
        // sends can overflow the timeout on the way.
        if case .rotation(let request, _) = self {
            return .seconds(10) + .milliseconds(min(max(request.waitMilliseconds, 0), RotationRequest.maxWaitMilliseconds))
        }
        return .seconds(10)
    }
}

/// The leader's answer: the log index the write was applied at, what it made, and the
/// values or token shown once to the client.
public struct WriteReply: Codable, Sendable {
    public var index: UInt64 = 0
    public var records: [SecretRecord] = []
    public var generated: [String: [UInt8]] = [:]
    public var rotationID: String?
    public var rotation: RotationStatus?
    public var token: String?
    public var tokenRecord: TokenRecord?
    /// Tokens a leak report revoked.
    public var revokedTokens: [String]?
    public var settings: ClusterSettings?
    /// A settings change that waits for a second admin.
    public var pendingChange: SettingsChange?
    public var error: CodableServiceError?
    /// A forwarded write the leader did not propose (it had stopped leading, or had not yet
    /// published that it leads): it did not happen, and the forwarding node asks again.
    public var dropped: Bool?

    public init() {}
}

/// `ServiceError` on the wire.
public struct CodableServiceError: Codable, Sendable {
    let kind: String
    let message: String

    init(_ error: ServiceError) {
        switch error {
        case .invalid(let message): (kind, self.message) = ("invalid", message)
        case .tooLarge(let message): (kind, self.message) = ("too_large", message)
        case .notFound(let message): (kind, self.message) = ("not_found", message)
        case .conflict(let message): (kind, self.message) = ("conflict", message)
        case .forbidden(let message): (kind, self.message) = ("forbidden", message)
        case .unavailable(let message): (kind, self.message) = ("unavailable", message)
        }
    }

    var error: ServiceError {
        switch kind {
        case "invalid": .invalid(message)
        case "too_large": .tooLarge(message)
        case "not_found": .notFound(message)
        case "conflict": .conflict(message)
        case "forbidden": .forbidden(message)
        default: .unavailable(message)
        }
    }
}
