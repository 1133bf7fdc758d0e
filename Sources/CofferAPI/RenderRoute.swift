import CofferNode
import CofferStore
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import Resolver

/// `POST /v1/render`: the body is a template, the answer the rendered bytes, with the table
/// generation they came from in `Coffer-Generation`.
struct RenderRoute {
    let node: Node
    let auth: Authorization
    private let renders = Counter(label: "coffer_renders_total")
    private let failures = Counter(label: "coffer_render_failures_total")

    init(node: Node, auth: Authorization) {
        self.node = node
        self.auth = auth
    }

    func add(to router: Router<CofferRequestContext>) {
        router.post("/v1/render") { request, context in try await render(request, context) }
    }

    private func render(_ request: Request, _ context: CofferRequestContext) async throws -> Response {
        let token = try auth.require(.render, for: request, context)
        let query = request.uri.queryParameters
        let placement: Placement
        let placementName = query["placement"].map(String.init) ?? "body"
        switch placementName {
        case "body": placement = .body
        case "header", "url": placement = .headerOrURL
        case "http": placement = .rawHTTPRequest
        default: throw APIError.badRequest("placement must be body, header, url or http")
        }
        let delimiters = try Delimiters.requested(open: query["open"].map(String.init), close: query["close"].map(String.init))
        switch query["consistency"].map(String.init) ?? "local" {
        case "local", "serializable": break
        case "linearizable": try await node.catchUpLinearizably()
        default: throw APIError.badRequest("consistency must be local or linearizable")
        }
        let template = try await JSONBody.collect(request)
        let destination = try template.withUnsafeReadableBytes { bytes in
            try RenderDestination.find(template: bytes, placement: placementName, delimiters: delimiters,
                                       parameter: query["destination"].map(String.init))
        }
        let table = node.table(for: token, to: destination)
        let result = template.withUnsafeReadableBytes { bytes in
            Result { () throws(TemplateError) -> (body: ByteBuffer, generation: UInt64) in
                let output = try table.render(bytes, delimiters: delimiters, placement: placement)
                return (output.withUnsafeBytes { ByteBuffer(bytes: $0) }, output.generation)
            }
        }
        switch result {
        case .success(let output):
            renders.increment()
            if node.usageTrail.isOn {
                let used = template.withUnsafeReadableBytes { table.references(in: $0, delimiters: delimiters) }
                node.recordUsage(used, token: token.id, client: context.clientAddress, outcome: .rendered)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .cofferGeneration: String(output.generation)],
                body: .init(byteBuffer: output.body))
        case .failure(let error):
            failures.increment()
            let scoped = error.forRender(by: token, to: destination, node: node)
            recordRefusals(scoped, token: token, context)
            if let outside = scoped.outOfScopeOnly {
                return try JSONBody.response(TemplateErrorsResponse(outside), status: .forbidden)
            }
            return try JSONBody.response(TemplateErrorsResponse(scoped),
                                         status: scoped.isOutputTooLarge ? .contentTooLarge : .unprocessableContent)
        }
    }
}

extension RenderRoute {
    /// Counts each refused reference to a secret that exists in the usage trail, with why, at
    /// its version now. Names no secret has are not counted: a caller inventing names could
    /// otherwise push the real lines out of the trail.
    private func recordRefusals(_ error: TemplateError, token: TokenRecord, _ context: CofferRequestContext) {
        guard node.usageTrail.isOn else { return }
        var refused: [UsageOutcome: [(name: String, version: UInt64)]] = [:]
        for problem in error.problems {
            guard let name = problem.name, let version = node.currentVersion(of: name) else { continue }
            let outcome: UsageOutcome
            switch problem.kind {
            case .outOfScope: outcome = .outOfScope
            case .destination: outcome = .destination
            case .unsafeInHeader: outcome = .headerGuard
            case .unknownSecret: outcome = .unknownName
            default: continue
            }
            refused[outcome, default: []].append((name, version))
        }
        for outcome in UsageOutcome.allCases {
            if let secrets = refused[outcome] { node.recordUsage(secrets, token: token.id, client: context.clientAddress, outcome: outcome) }
        }
    }
}

extension Delimiters {
    /// The delimiters a request asks for: both given, or neither for `{{` `}}`.
    static func requested(open: String?, close: String?) throws -> Delimiters {
        switch (open, close) {
        case (nil, nil): return .braces
        case (let open?, let close?):
            do { return try Delimiters(open: open, close: close) } catch {
                throw APIError.badRequest("invalid delimiters: \(error)")
            }
        default: throw APIError.badRequest("give both 'open' and 'close', or neither")
        }
    }
}

extension HTTPField.Name {
    static let cofferGeneration = HTTPField.Name("Coffer-Generation")!
}
