import CofferNode
import CofferStore
import Hummingbird

/// Who is calling, from the bearer token, checked against the roles a route allows.
struct Authorization {
    let node: Node

    /// The caller's token record, if its role is one of `roles`; 401 or 403 otherwise.
    func require(_ roles: Role..., for request: Request) throws -> TokenRecord {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let record = node.authenticate(String(header.dropFirst("Bearer ".count)))
        else { throw APIError.unauthorized }
        guard roles.contains(record.role) else { throw APIError.forbidden(record.role.rawValue, needs: roles.map(\.rawValue)) }
        return record
    }
}

extension TokenRecord {
    var actor: Actor { Actor(tokenID: id, name: name) }
}
