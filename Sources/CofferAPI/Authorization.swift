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
        // Only the holder of this token gets here, so saying why it does not work yet tells no one else anything.
        guard record.state.isUsable else {
            throw APIError(status: .unauthorized, code: "awaiting_approval",
                           message: "this token awaits a second admin's approval (coffer token approve \(record.id))",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard roles.contains(record.role) else { throw APIError.forbidden(record.role.rawValue, needs: roles.map(\.rawValue)) }
        return record
    }
}

extension TokenRecord {
    var actor: Actor { Actor(tokenID: id, name: name) }
}
