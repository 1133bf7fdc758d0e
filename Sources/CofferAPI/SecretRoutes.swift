import CofferCrypto
import CofferNode
import CofferStore
import Foundation
import Hummingbird
import Resolver

/// `/v1/secrets`: create, list, show, rotate, delete. Values go in; only a generated value
/// ever comes out, once, in the answer that made it.
struct SecretRoutes {
    let node: Node
    let auth: Authorization

    struct ValueRequest: Decodable {
        let name: String?
        let value: String?
        let generate: Generate?
        /// Where the value may be sent; absent or empty: anywhere.
        let allowHosts: [String]?

        enum CodingKeys: String, CodingKey {
            case name, value, generate, allowHosts = "allow_hosts"
        }

        struct Generate: Decodable {
            let length: Int?
        }

        func source() throws -> ValueSpec {
            switch (value, generate) {
            case (let value?, nil): return .given(Array(value.utf8))
            case (nil, let generate?): return .generate(length: generate.length ?? ValueGenerator.defaultLength)
            case (nil, nil): throw APIError.badRequest("give either 'value' or 'generate'")
            case (.some, .some): throw APIError.badRequest("give either 'value' or 'generate', not both")
            }
        }
    }

    struct HostsRequest: Decodable {
        /// The new list; empty clears it.
        let hosts: [String]
    }

    struct Written: Encodable {
        let name: String
        let version: UInt64
        let createdAt: String?
        let updatedAt: String?
        let rotationID: String?
        let value: String?

        enum CodingKeys: String, CodingKey {
            case name, version, value, createdAt = "created_at", updatedAt = "updated_at", rotationID = "rotation_id"
        }
    }

    func add(to router: Router<CofferRequestContext>) {
        router.post("/v1/secrets") { request, context in try await create(request, context) }
        router.get("/v1/secrets") { request, context in
            let caller = try auth.require(.admin, .audit, for: request, context)
            let secrets = try node.secrets().filter { caller.allows(secret: $0.name) }
            return try JSONBody.response(["secrets": secrets.map { SecretView($0) }])
        }
        router.get("/v1/secrets/{name}") { request, context in
            let caller = try auth.require(.admin, .audit, for: request, context)
            let name = try context.parameters.require("name")
            try caller.requireScope([name])
            let found = try node.secretWithHistory(named: name)
            let kept = Set(try node.keyspace.keptVersions(named: found.record.name))
            return try JSONBody.response(SecretView(found.record, versions: found.versions, kept: kept))
        }
        router.put("/v1/secrets/{name}") { request, context in try await rotate(request, context, name: try context.parameters.require("name")) }
        router.put("/v1/secrets/{name}/hosts") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            let name = try context.parameters.require("name")
            try caller.requireScope([name])
            let body = try await JSONBody.decode(HostsRequest.self, from: request)
            let reply = try await node.perform(.setSecretHosts(name: name, hosts: body.hosts, actor: caller.actor))
            return try JSONBody.response(SecretView(reply.records[0]))
        }
        router.delete("/v1/secrets/{name}") { request, context in
            let caller = try auth.require(.admin, for: request, context)
            let name = try context.parameters.require("name")
            try caller.requireScope([name])
            _ = try await node.perform(.deleteSecret(name: name, actor: caller.actor))
            return Response(status: .noContent)
        }
    }

    private func create(_ request: Request, _ context: CofferRequestContext) async throws -> Response {
        let caller = try auth.require(.admin, for: request, context)
        let body = try await JSONBody.decode(ValueRequest.self, from: request)
        guard let name = body.name else { throw APIError.badRequest("the field 'name' is required") }
        try caller.requireScope([name])
        let reply = try await node.perform(.createSecret(name: name, value: try body.source(), hosts: body.allowHosts ?? [],
                                                         actor: caller.actor))
        let record = reply.records[0]
        return try JSONBody.response(
            Written(name: record.name, version: record.currentVersion, createdAt: Timestamp.iso8601(record.createdAt),
                    updatedAt: nil, rotationID: nil, value: reply.generated[record.name].map(Self.text)),
            status: .created)
    }

    private func rotate(_ request: Request, _ context: CofferRequestContext, name: String) async throws -> Response {
        let caller = try auth.require(.admin, for: request, context)
        let body = try await JSONBody.decode(ValueRequest.self, from: request)
        if let bodyName = body.name, bodyName.lowercased() != name.lowercased() {
            throw APIError.badRequest("the name in the body differs from the one in the path")
        }
        try caller.requireScope([name])
        let reply = try await node.perform(.rotate(items: [RotationSpec(name: name, value: try body.source())], actor: caller.actor))
        let record = reply.records[0]
        return try JSONBody.response(
            Written(name: record.name, version: record.currentVersion, createdAt: nil,
                    updatedAt: Timestamp.iso8601(record.updatedAt), rotationID: reply.rotationID,
                    value: reply.generated[record.name].map(Self.text)))
    }

    /// A generated value as text: it is letters and digits only.
    static func text(_ value: [UInt8]) -> String {
        String(decoding: value, as: UTF8.self)
    }
}
