import CofferNode
import CofferStore
import Hummingbird

/// Who is calling, from the bearer token, checked against the roles a route allows.
struct Authorization {
    let node: Node

    /// The caller's token record, if its role is one of `roles`; 401 or 403 otherwise. A
    /// token used from outside its networks gets the same 401 as a wrong one.
    func require(_ roles: Role..., for request: Request, _ context: CofferRequestContext) throws -> TokenRecord {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { throw APIError.unauthorized }
        let record: TokenRecord
        switch node.authenticate(String(header.dropFirst("Bearer ".count)), client: context.clientAddress) {
        case .valid(let valid): record = valid
        case .expired:
            throw APIError(status: .unauthorized, code: "token_expired", message: "token expired",
                           headers: [.wwwAuthenticate: "Bearer"])
        case .refused: throw APIError.unauthorized
        }
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

    /// 403 unless the token's scope is every secret: changes to the cluster itself (members,
    /// leader, settings), and checks of the whole trail, are for such tokens only.
    func requireWholeCluster() throws {
        guard scope.isEmpty else {
            throw APIError(status: .forbidden, code: "out_of_scope",
                           message: "this concerns the whole cluster: it takes a token whose scope is every secret")
        }
    }

    /// 403 unless every one of `names` is in the token's scope; the answer is the same
    /// whether a name exists or not.
    func requireScope(_ names: [String]) throws {
        let outside = names.filter { !allows(secret: $0) }
        guard outside.isEmpty else {
            throw APIError(status: .forbidden, code: "out_of_scope",
                           message: "outside this token's scope: \(outside.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }
}
