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
    let versions: [VersionView]?

    struct VersionView: Encodable {
        let version: UInt64
        let createdAt: String
        let createdBy: String
        let rotationID: String?

        enum CodingKeys: String, CodingKey {
            case version, createdAt = "created_at", createdBy = "created_by", rotationID = "rotation_id"
        }
    }

    init(_ record: SecretRecord, withVersions: Bool) {
        name = record.name
        version = record.currentVersion
        createdAt = Timestamp.iso8601(record.createdAt)
        createdBy = record.createdBy.name
        updatedAt = Timestamp.iso8601(record.updatedAt)
        updatedBy = record.updatedBy.name
        versions = withVersions ? record.versions.map {
            VersionView(version: $0.version, createdAt: Timestamp.iso8601($0.createdAt), createdBy: $0.createdBy.name,
                        rotationID: $0.rotationID)
        } : nil
    }

    enum CodingKeys: String, CodingKey {
        case name, version, versions
        case createdAt = "created_at", createdBy = "created_by", updatedAt = "updated_at", updatedBy = "updated_by"
    }
}

struct TokenView: Encodable {
    let id: String
    let role: String
    let name: String
    let createdAt: String
    let createdBy: String
    /// Present only in the answer that creates the token.
    let token: String?

    init(_ record: TokenRecord, token: String? = nil) {
        id = record.id
        role = record.role.rawValue
        name = record.name
        createdAt = Timestamp.iso8601(record.createdAt)
        createdBy = record.createdBy.name
        self.token = token
    }

    enum CodingKeys: String, CodingKey {
        case id, role, name, token, createdAt = "created_at", createdBy = "created_by"
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
    static func iso8601(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
