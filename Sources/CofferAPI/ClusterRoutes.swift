import CofferNode
import CofferStore
import Hummingbird

/// `/v1/cluster`: members and their state; adding, promoting, removing members and moving
/// leadership (admin); the cluster's settings.
struct ClusterRoutes {
    let node: Node
    let auth: Authorization

    struct AddMember: Decodable {
        let id: String
        let peerAddress: String
        let apiAddress: String

        enum CodingKeys: String, CodingKey {
            case id, peerAddress = "peer_address", apiAddress = "api_address"
        }
    }

    struct SettingsChangeBody: Decodable {
        let tokenApprovals: Int?
        /// A lifetime (`30d`) or `none`.
        let maxTokenTTL: String?
        let keptVersions: Int?

        enum CodingKeys: String, CodingKey {
            case tokenApprovals = "token_approvals", maxTokenTTL = "max_token_ttl", keptVersions = "kept_versions"
        }
    }

    struct Transfer: Decodable {
        let id: String
    }

    struct StatusView: Encodable {
        let node: String
        let leader: String?
        let members: [MemberStatus]
    }

    func add(to router: Router<CofferRequestContext>) {
        router.get("/v1/cluster") { request, context in
            _ = try auth.require(.admin, .audit, for: request, context)
            let (leader, members) = await node.clusterStatus()
            return try JSONBody.response(StatusView(node: node.config.nodeID, leader: leader, members: members))
        }
        router.post("/v1/cluster/members") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            try caller.requireWholeCluster()
            let body = try await JSONBody.decode(AddMember.self, from: request)
            guard HostPort(body.peerAddress) != nil, HostPort(body.apiAddress) != nil else {
                throw APIError.badRequest("peer_address and api_address are host:port")
            }
            let reply = try await node.perform(.addMember(MemberRecord(id: body.id, peerAddress: body.peerAddress, apiAddress: body.apiAddress),
                                                                actor: caller.actor))
            return try JSONBody.response(["id": body.id, "membership": "learner", "index": "\(reply.index)"], status: .created)
        }
        router.post("/v1/cluster/members/{id}/promote") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            try caller.requireWholeCluster()
            let id = try context.parameters.require("id")
            let reply = try await node.perform(.promoteMember(id: id, actor: caller.actor))
            return try JSONBody.response(["id": id, "membership": "voter", "index": "\(reply.index)"])
        }
        router.delete("/v1/cluster/members/{id}") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            try caller.requireWholeCluster()
            _ = try await node.perform(.removeMember(id: try context.parameters.require("id"), actor: caller.actor))
            return Response(status: .noContent)
        }
        router.get("/v1/cluster/settings") { request, context in
            _ = try auth.require(.admin, .audit, for: request, context)
            return try JSONBody.response(SettingsView(try node.settings()))
        }
        // Raising takes effect at once (200); lowering answers 202 until a second admin of
        // another line asks for the same.
        router.put("/v1/cluster/settings") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            try caller.requireWholeCluster()
            let body = try await JSONBody.decode(SettingsChangeBody.self, from: request)
            guard body.tokenApprovals != nil || body.maxTokenTTL != nil || body.keptVersions != nil else {
                throw APIError.badRequest("give token_approvals, max_token_ttl or kept_versions")
            }
            if let kept = body.keptVersions, !ClusterSettings.allowedKeptVersions.contains(kept) {
                throw APIError.badRequest("kept_versions must be 1 to 100")
            }
            if let approvals = body.tokenApprovals, !ClusterSettings.allowedTokenApprovals.contains(approvals) {
                throw APIError.badRequest("token_approvals must be 1 or 2")
            }
            if let ttl = body.maxTokenTTL {
                var seconds: Int64?
                if ttl != "none" {
                    guard let given = TokenGrant.seconds(ttl), given <= TokenGrant.maxTTLSeconds else {
                        throw APIError.badRequest("max_token_ttl is a lifetime (90s, 12h, 30d) up to ten years, or none")
                    }
                    seconds = given
                }
                _ = try await node.perform(.setMaxTokenTTL(seconds: seconds, actor: caller.actor))
            }
            if let kept = body.keptVersions {
                _ = try await node.perform(.setKeptVersions(kept, actor: caller.actor))
            }
            var waiting = false
            if let approvals = body.tokenApprovals {
                waiting = try await node.perform(.setTokenApprovals(approvals, actor: caller.actor)).pendingChange != nil
            }
            return try JSONBody.response(SettingsView(try node.settings()), status: waiting ? .accepted : .ok)
        }
        router.post("/v1/cluster/leader") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            try caller.requireWholeCluster()
            let body = try await JSONBody.decode(Transfer.self, from: request)
            _ = try await node.perform(.transferLeader(to: body.id, actor: caller.actor))
            return try JSONBody.response(["requested": body.id], status: .accepted)
        }
    }
}
