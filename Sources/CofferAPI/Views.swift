import CofferStore
import Foundation

/// What the API shows of stored things: metadata only.
struct SecretView: Encodable {
    let name: String
    let version: UInt64
    let createdAt: String
    let createdBy: String
    let updatedAt: String
    let updatedBy: String
    /// Where the value may be sent; empty: anywhere.
    let allowedHosts: [String]
    let versions: [VersionView]?

    struct VersionView: Encodable {
        let version: UInt64
        let createdAt: String
        let createdBy: String
        let rotationID: String?
        /// Whether its sealed value is still kept (a rollback can go to it).
        let kept: Bool
        /// Set when it was reported leaked.
        let compromised: Compromised?

        struct Compromised: Encodable {
            let at: String
            let by: String
            let reason: String
        }

        enum CodingKeys: String, CodingKey {
            case version, createdAt = "created_at", createdBy = "created_by", rotationID = "rotation_id", kept, compromised
        }
    }

    /// With `versions`, the secret's history too, and which of them keep their value.
    init(_ record: SecretRecord, versions history: [VersionInfo]? = nil, kept: Set<UInt64> = []) {
        name = record.name
        version = record.currentVersion
        createdAt = Timestamp.iso8601(record.createdAt)
        createdBy = record.createdBy.name
        updatedAt = Timestamp.iso8601(record.updatedAt)
        updatedBy = record.updatedBy.name
        allowedHosts = record.allowedHosts
        versions = history?.map {
            VersionView(version: $0.version, createdAt: Timestamp.iso8601($0.createdAt), createdBy: $0.createdBy.name,
                        rotationID: $0.rotationID, kept: kept.contains($0.version),
                        compromised: $0.compromise.map { .init(at: Timestamp.iso8601($0.at), by: $0.by.name, reason: $0.reason) })
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, version, versions, allowedHosts = "allowed_hosts"
        case createdAt = "created_at", createdBy = "created_by", updatedAt = "updated_at", updatedBy = "updated_by"
    }
}

struct TokenView: Encodable {
    let id: String
    let role: String
    let name: String
    let createdAt: String
    let createdBy: String
    let createdByID: String
    /// "active", "awaiting_approval" or "approved".
    let state: String
    let approvedBy: String?
    let approvedByID: String?
    let approvedAt: String?
    /// The tokens that made this one, nearest first.
    let lineage: [String]
    /// Secret name patterns the token is limited to; empty for every secret.
    let secrets: [String]
    let expiresAt: String?
    /// Client networks the token is accepted from; empty for anywhere.
    let allowCIDR: [String]
    /// Present only in the answer that creates the token.
    let token: String?

    init(_ record: TokenRecord, token: String? = nil) {
        id = record.id
        role = record.role.rawValue
        name = record.name
        createdAt = Timestamp.iso8601(record.createdAt)
        createdBy = record.createdBy.name
        createdByID = record.createdBy.tokenID
        lineage = record.lineage
        secrets = record.scope
        expiresAt = record.expiresAt.map(Timestamp.iso8601)
        allowCIDR = record.networks
        switch record.state {
        case .active: (state, approvedBy, approvedByID, approvedAt) = ("active", nil, nil, nil)
        case .awaitingApproval: (state, approvedBy, approvedByID, approvedAt) = ("awaiting_approval", nil, nil, nil)
        case .approved(let by, let at): (state, approvedBy, approvedByID, approvedAt) = ("approved", by.name, by.tokenID, Timestamp.iso8601(at))
        }
        self.token = token
    }

    enum CodingKeys: String, CodingKey {
        case id, role, name, token, state, lineage, secrets, expiresAt = "expires_at", allowCIDR = "allow_cidr",
             createdAt = "created_at", createdBy = "created_by",
             createdByID = "created_by_id", approvedBy = "approved_by", approvedByID = "approved_by_id", approvedAt = "approved_at"
    }
}

/// The cluster's settings, and a lower setting that waits for a second admin.
struct SettingsView: Encodable {
    struct PendingView: Encodable {
        let tokenApprovals: Int
        let requestedAt: String
        let requestedBy: String
        let requestedByID: String

        enum CodingKeys: String, CodingKey {
            case tokenApprovals = "token_approvals", requestedAt = "requested_at", requestedBy = "requested_by",
                 requestedByID = "requested_by_id"
        }
    }

    let tokenApprovals: Int
    let pendingChange: PendingView?
    let maxTokenTTLSeconds: Int64?
    let keptVersions: Int

    init(_ settings: ClusterSettings) {
        tokenApprovals = settings.tokenApprovals
        keptVersions = settings.keptVersions
        maxTokenTTLSeconds = settings.maxTokenTTLSeconds
        pendingChange = settings.pendingChange.map {
            PendingView(tokenApprovals: $0.tokenApprovals, requestedAt: Timestamp.iso8601($0.at), requestedBy: $0.by.name,
                        requestedByID: $0.by.tokenID)
        }
    }

    enum CodingKeys: String, CodingKey {
        case tokenApprovals = "token_approvals", pendingChange = "pending_change", maxTokenTTLSeconds = "max_token_ttl_seconds",
             keptVersions = "kept_versions"
    }
}

struct AuditView: Encodable {
    let index: UInt64
    let at: String
    let actor: String
    let tokenID: String
    let action: String
    let target: String
    let version: UInt64?
    let rotationID: String?

    init(_ event: AuditEvent) {
        index = event.index
        at = Timestamp.iso8601(event.at)
        actor = event.actor.name
        tokenID = event.actor.tokenID
        action = event.action
        target = event.target
        version = event.version
        rotationID = event.rotationID
    }

    enum CodingKeys: String, CodingKey {
        case index, at, actor, action, target, version, tokenID = "token_id", rotationID = "rotation_id"
    }
}

enum Timestamp {
    /// `2026-12-02T07:04:00.123Z` for milliseconds since 1970, UTC. Written out by hand
    /// (days to a civil date after Howard Hinnant's `civil_from_days`): `ISO8601DateFormatter`
    /// built an ICU formatter on every call, a tenth of a node's CPU under a write load.
    static func iso8601(_ milliseconds: Int64) -> String {
        let (days, millisecondOfDay) = milliseconds.floorDividedAndModulo(86_400_000)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let seconds = millisecondOfDay / 1000
        func digits(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(digits(year, 4))-\(digits(month, 2))-\(digits(day, 2))T\(digits(seconds / 3600, 2)):"
            + "\(digits(seconds / 60 % 60, 2)):\(digits(seconds % 60, 2)).\(digits(millisecondOfDay % 1000, 3))Z"
    }
}

private extension Int64 {
    /// Quotient rounded down and a remainder in 0..<divisor, so times before 1970 come out right too.
    func floorDividedAndModulo(_ divisor: Int64) -> (Int64, Int64) {
        let remainder = self % divisor
        return remainder < 0 ? (self / divisor - 1, remainder + divisor) : (self / divisor, remainder)
    }
}
