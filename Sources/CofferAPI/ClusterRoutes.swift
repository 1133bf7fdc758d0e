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
        let tokenApprovals: Int

        enum CodingKeys: String, CodingKey {
            case tokenApprovals = "token_approvals"
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
            _ = try auth.require(.admin, for: request, context)
            let body = try await JSONBody.decode(AddMember.self, from: request)
            guard HostPort(body.peerAddress) != nil, HostPort(body.apiAddress) != nil else {
                throw APIError.badRequest("peer_address and api_address are host:port")
            }
            let reply = try await node.perform(.addMember(MemberRecord(id: body.id, peerAddress: body.peerAddress, apiAddress: body.apiAddress)))
            return try JSONBody.response(["id": body.id, "membership": "learner", "index": "\(reply.index)"], status: .created)
        }
        router.post("/v1/cluster/members/{id}/promote") { request, context in
            _ = try auth.require(.admin, for: request, context)
            let id = try context.parameters.require("id")
            let reply = try await node.perform(.promoteMember(id: id))
            return try JSONBody.response(["id": id, "membership": "voter", "index": "\(reply.index)"])
        }
        router.delete("/v1/cluster/members/{id}") { request, context in
            _ = try auth.require(.admin, for: request, context)
            _ = try await node.perform(.removeMember(id: try context.parameters.require("id")))
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
            let body = try await JSONBody.decode(SettingsChangeBody.self, from: request)
            guard ClusterSettings.allowedTokenApprovals.contains(body.tokenApprovals) else {
                throw APIError.badRequest("token_approvals must be 1 or 2")
            }
            let reply = try await node.perform(.setTokenApprovals(body.tokenApprovals, actor: caller.actor))
            if reply.pendingChange != nil { return try JSONBody.response(SettingsView(try node.settings()), status: .accepted) }
            return try JSONBody.response(SettingsView(reply.settings ?? (try node.settings())))
        }
        router.post("/v1/cluster/leader") { request, context in
            _ = try auth.require(.admin, for: request, context)
            let body = try await JSONBody.decode(Transfer.self, from: request)
            _ = try await node.perform(.transferLeader(to: body.id))
            return try JSONBody.response(["requested": body.id], status: .accepted)
        }
    }
}
