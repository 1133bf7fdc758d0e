import CofferNode
import CofferStore
import Hummingbird

/// `/v1/tokens` (admin) and `/v1/audit` (admin, audit). Under the two-person rule a new admin
/// or render token is answered 201 with its token and state "awaiting_approval": it works
/// once a second admin of another line approves it.
struct TokenRoutes {
    let node: Node
    let auth: Authorization

    struct CreateRequest: Decodable {
        let role: String
        let name: String?
        /// Secret name patterns; none for every secret.
        let secrets: [String]?
        /// A lifetime: `90s`, `30m`, `12h`, `7d`.
        let ttl: String?
        /// CIDR ranges of clients allowed to use the token.
        let allowCIDR: [String]?

        enum CodingKeys: String, CodingKey {
            case role, name, secrets, ttl, allowCIDR = "allow_cidr"
        }
    }

    struct AuditPage: Encodable {
        let events: [AuditView]
        /// Where the next page starts (`after`), when more lines may follow.
        let nextAfter: UInt64?

        enum CodingKeys: String, CodingKey {
            case events, nextAfter = "next_after"
        }
    }

    struct ChainView: Encodable {
        struct Member: Encodable {
            let member: String
            let reachable: Bool
            let lines: Int?
            let brokenAtIndex: UInt64?
            let brokenAtOffset: Int?
            let headIndex: UInt64?
            let appliedIndex: UInt64?
            let commonLink: String?
            let differs: Bool

            enum CodingKeys: String, CodingKey {
                case member, reachable, lines, brokenAtIndex = "broken_at_index", brokenAtOffset = "broken_at_offset",
                     headIndex = "head_index", appliedIndex = "applied_index", commonLink = "common_link", differs
            }
        }

        let intact: Bool
        let commonIndex: UInt64?
        let members: [Member]

        enum CodingKeys: String, CodingKey {
            case intact, commonIndex = "common_index", members
        }

        init(_ report: ChainReport) {
            intact = report.isIntact
            commonIndex = report.commonIndex
            members = report.members.map { chain in
                Member(member: chain.member, reachable: chain.reachable, lines: chain.check?.lines,
                       brokenAtIndex: chain.check?.brokenAtIndex, brokenAtOffset: chain.check?.brokenAtOffset,
                       headIndex: chain.check?.headIndex, appliedIndex: chain.check?.appliedIndex, commonLink: chain.commonLink,
                       differs: chain.differs)
            }
        }
    }

    func add(to router: Router<CofferRequestContext>) {
        router.post("/v1/tokens") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            let body = try await JSONBody.decode(CreateRequest.self, from: request)
            guard let role = Role(rawValue: body.role) else {
                throw APIError.badRequest("role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let name = body.name ?? role.rawValue
            guard (1...100).contains(name.count), name.allSatisfy({ !$0.isNewline }) else {
                throw APIError.badRequest("a token name is 1 to 100 characters on one line")
            }
            var ttlSeconds: Int64?
            if let ttl = body.ttl {
                guard let seconds = TokenGrant.seconds(ttl) else {
                    throw APIError.badRequest("ttl is a whole number above zero and a unit, s, m, h or d (as in 90s or 12h)")
                }
                ttlSeconds = seconds
            }
            let grant = TokenGrant(scope: body.secrets ?? [], ttlSeconds: ttlSeconds, networks: body.allowCIDR ?? [])
            _ = try grant.validated(now: 0)  // a 400 here, before the write travels to the leader
            let reply = try await node.perform(.createToken(role: role, name: name, grant: grant, actor: caller.actor))
            guard let record = reply.tokenRecord, let token = reply.token else {
                throw APIError(status: .internalServerError, code: "internal", message: "the token was not returned")
            }
            return try JSONBody.response(TokenView(record, token: token), status: .created)
        }
        router.post("/v1/tokens/{id}/approve") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            let reply = try await node.perform(.approveToken(id: try context.parameters.require("id"), actor: caller.actor))
            guard let record = reply.tokenRecord else {
                throw APIError(status: .internalServerError, code: "internal", message: "the token was not returned")
            }
            return try JSONBody.response(TokenView(record))
        }
        router.get("/v1/tokens") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            // A scoped admin sees the tokens within its scope: those it could have made or may revoke.
            let tokens = try node.tokens().filter { $0.secretsBeyond(caller) == nil }
            return try JSONBody.response(["tokens": tokens.map { TokenView($0) }])
        }
        router.delete("/v1/tokens/{id}") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            _ = try await node.perform(.revokeToken(id: try context.parameters.require("id"), actor: caller.actor))
            return Response(status: .noContent)
        }
        // Every member checks its own chain; the answer compares them at the last common line.
        router.get("/v1/audit/verify") { request, context in
            try auth.require(.admin, .audit, for: request, context).requireWholeCluster()
            let report = await node.checkAuditChains()
            return try JSONBody.response(ChainView(report))
        }
        router.get("/v1/audit") { request, context in
            let caller = try auth.require(.admin, .audit, for: request, context)
            let query = request.uri.queryParameters
            let after = try QueryNumber.parse(query["after"], name: "after", in: 0...UInt64(Int64.max)) ?? 0
            let limit = try QueryNumber.parse(query["limit"], name: "limit", in: 1...10_000) ?? 1_000
            // A scoped token reads the lines of its secrets only; `next_after` pages on past the
            // lines it may not see.
            let page = try node.audit(after: after, limit: limit) { event in
                caller.scope.isEmpty || (event.action.hasPrefix("secret.") && caller.allows(secret: event.target))
            }
            return try JSONBody.response(AuditPage(events: page.events.map(AuditView.init), nextAfter: page.next))
        }
    }
}
