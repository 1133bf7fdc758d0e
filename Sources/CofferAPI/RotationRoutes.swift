import CofferNode
import CofferStore
import Hummingbird

/// `/v1/rotations`: rotate or roll back many secrets in one Raft entry, and follow a
/// rotation until every member has applied it.
struct RotationRoutes {
    let node: Node
    let auth: Authorization

    struct Body: Decodable {
        let values: [String: String]?
        let names: [String]?
        let generate: SecretRoutes.ValueRequest.Generate?
        let rollback: [String]?
        /// With `rollback` of one secret: the version to go back to.
        let toVersion: UInt64?
        let waitMilliseconds: Int?

        enum CodingKeys: String, CodingKey {
            case values, names, generate, rollback, toVersion = "to_version", waitMilliseconds = "wait_ms"
        }

        func request() throws -> RotationRequest {
            let change: RotationRequest.Change
            switch (values, names, generate, rollback) {
            case (let values?, nil, nil, nil):
                // Sorted, so the entry (and its audit lines) list secrets in a stable order.
                change = .values(values.keys.sorted().map { RotationSpec(name: $0, value: .given(Array(values[$0]!.utf8))) })
            case (nil, let names?, let generate?, nil):
                let length = generate.length ?? ValueGenerator.defaultLength
                change = .values(names.map { RotationSpec(name: $0, value: .generate(length: length)) })
            case (nil, nil, nil, let names?):
                if let toVersion {
                    guard names.count == 1, let name = names.first else {
                        throw APIError.badRequest("'to_version' rolls back one secret: give one name in 'rollback'")
                    }
                    change = .rollbackTo(name: name, version: toVersion)
                } else {
                    change = .rollback(names: names)
                }
            default:
                throw APIError.badRequest("give exactly one of 'values', 'names' with 'generate', or 'rollback'")
            }
            if toVersion != nil, rollback == nil { throw APIError.badRequest("'to_version' goes with 'rollback'") }
            let wait = waitMilliseconds ?? RotationRequest.defaultWaitMilliseconds
            guard (0...RotationRequest.maxWaitMilliseconds).contains(wait) else {
                throw APIError.badRequest("'wait_ms' must be 0 to \(RotationRequest.maxWaitMilliseconds)")
            }
            return RotationRequest(change: change, waitMilliseconds: wait)
        }
    }

    struct View: Encodable {
        struct Secret: Encodable {
            let name: String
            let version: UInt64
        }

        struct Member: Encodable {
            let id: String
            let state: String
            let appliedIndex: UInt64?

            enum CodingKeys: String, CodingKey {
                case id, state, appliedIndex = "applied_index"
            }
        }

        let id: String
        let kind: String
        let index: UInt64
        let generation: UInt64
        let secrets: [Secret]
        let members: [Member]
        let complete: Bool
        /// Generated values, only in the answer that made them.
        let values: [String: String]?

        init(_ status: RotationStatus, generated: [String: [UInt8]] = [:], visible: (String) -> Bool = { _ in true }) {
            id = status.id
            kind = status.kind.rawValue
            index = status.index
            generation = status.generation
            secrets = status.secrets.filter { visible($0.name) }.map { Secret(name: $0.name, version: $0.version) }
            members = status.members.map { Member(id: $0.id, state: $0.state.rawValue, appliedIndex: $0.appliedIndex) }
            complete = status.complete
            values = generated.isEmpty ? nil : generated.mapValues(SecretRoutes.text)
        }
    }

    struct LeakBody: Decodable {
        let values: [String: String]?
        let names: [String]?
        let generate: SecretRoutes.ValueRequest.Generate?
        let reason: String?
        let revokeTokens: Bool?
        let waitMilliseconds: Int?

        enum CodingKeys: String, CodingKey {
            case values, names, generate, reason, revokeTokens = "revoke_tokens", waitMilliseconds = "wait_ms"
        }

        func request() throws -> RotationRequest {
            let base = try Body(values: values, names: names, generate: generate, rollback: nil, toVersion: nil,
                                waitMilliseconds: waitMilliseconds).request()
            guard case .values(let specs) = base.change else { throw APIError.badRequest("give 'values', or 'names' with 'generate'") }
            let reason = reason ?? "reported leaked"
            guard !reason.isEmpty, reason.count <= 1_000, !reason.contains(where: \.isNewline) else {
                throw APIError.badRequest("a reason is 1 to 1000 characters on one line")
            }
            return RotationRequest(change: .leak(specs: specs, reason: reason, revokeTokens: revokeTokens ?? false),
                                   waitMilliseconds: base.waitMilliseconds)
        }
    }

    /// A leak report's answer: the rotation, then per compromised version who used it.
    struct LeakView: Encodable {
        struct Leaked: Encodable {
            let name: String
            let version: UInt64
            let usage: [UsageRoute.LineView]
        }

        let rotation: View
        let compromised: [Leaked]
        let revokedTokens: [String]
        /// Members whose usage could not be asked.
        let unreachable: [String]

        enum CodingKeys: String, CodingKey {
            case rotation, compromised, revokedTokens = "revoked_tokens", unreachable
        }
    }

    func add(to router: Router<CofferRequestContext>) {
        router.post("/v1/leaks") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            let leak = try await JSONBody.decode(LeakBody.self, from: request).request()
            try caller.requireScope(leak.names)
            // Read before: the report names tokens the leak is about to revoke.
            let tokens = try node.tokens()
            let reply = try await node.perform(.rotation(leak, actor: caller.actor))
            guard let status = reply.rotation else { throw ServiceError.unavailable("the leader sent no rotation status") }
            var compromised: [LeakView.Leaked] = []
            var unreachable = Set<String>()
            for secret in status.secrets {
                let report = try await node.usage(of: secret.name, sinceMinute: 0)
                unreachable.formUnion(report.unreachable)
                let leaked = secret.version - 1
                compromised.append(.init(name: secret.name, version: leaked,
                                         usage: try UsageRoute.merged(report.lines.filter { $0.key.version == leaked }, tokens: tokens)))
            }
            return try JSONBody.response(LeakView(rotation: View(status, generated: reply.generated), compromised: compromised,
                                                  revokedTokens: reply.revokedTokens ?? [], unreachable: unreachable.sorted()))
        }
        router.post("/v1/rotations") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            let body = try await JSONBody.decode(Body.self, from: request)
            let rotation = try body.request()
            try caller.requireScope(rotation.names)
            let reply = try await node.perform(.rotation(rotation, actor: caller.actor))
            guard let status = reply.rotation else { throw ServiceError.unavailable("the leader sent no rotation status") }
            return try JSONBody.response(View(status, generated: reply.generated))
        }
        router.get("/v1/rotations/{id}") { request, context in
            let caller = try auth.require(.admin, .audit, for: request, context)
            let id = try context.parameters.require("id")
            let status = try await node.rotationStatus(id: id)
            // A scoped token sees the secrets of its scope, and of a rotation of none of them the
            // same answer as for an id that does not exist.
            let view = View(status, visible: { caller.allows(secret: $0) })
            if view.secrets.isEmpty && !caller.scope.isEmpty { throw APIError.notFound(Node.noRotation(id)) }
            return try JSONBody.response(view)
        }
    }
}
