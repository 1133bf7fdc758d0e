import CofferNode
import CofferStore
import Hummingbird
import Resolver

/// `POST /v1/templates/check` (admin, audit): checks the fields of a request template against
/// the stored secrets without reading a value. Each field answers its problems with line and
/// column, and its text with every known reference replaced by a mask naming the secret and its
/// current version: `«PaymentsKey v3»`, `«PaymentsKey v3 | base64»`.
struct TemplateCheckRoute {
    let node: Node
    let auth: Authorization

    static let maxFields = 64

    struct CheckRequest: Decodable {
        struct Field: Decodable {
            let name: String
            let template: String
        }

        let fields: [Field]
        let open: String?
        let close: String?
    }

    struct CheckResponse: Encodable {
        let ok: Bool
        let fields: [FieldView]
    }

    struct FieldView: Encodable {
        let name: String
        let masked: String
        let references: [ReferenceView]
        let errors: [TemplateErrorsResponse.Item]
        /// Problems found past the hundred listed.
        let moreErrors: Int?

        enum CodingKeys: String, CodingKey {
            case name, masked, references, errors, moreErrors = "more_errors"
        }
    }

    struct ReferenceView: Encodable {
        /// As stored; `written` is as the template spells it.
        let name: String
        let written: String
        let version: UInt64?
        let line: Int
        let column: Int
    }

    func add(to router: Router<CofferRequestContext>) {
        router.post("/v1/templates/check") { request, context in try await check(request, context) }
    }

    private func check(_ request: Request, _ context: CofferRequestContext) async throws -> Response {
        let caller = try auth.require(.admin, .audit, for: request, context)
        let body = try await JSONBody.decode(CheckRequest.self, from: request)
        guard body.fields.count <= Self.maxFields else {
            throw APIError.badRequest("at most \(Self.maxFields) fields can be checked at once")
        }
        guard body.fields.allSatisfy({ (1...64).contains($0.name.count) }) else {
            throw APIError.badRequest("a field name is 1 to 64 characters")
        }
        let delimiters = try Delimiters.requested(open: body.open, close: body.close)
        var stored: [String: SecretRecord] = [:]
        for record in try node.secrets() {
            if let folded = SecretName.folded(record.name) { stored[folded] = record }
        }
        // Out of a scoped token's scope, a secret is not looked up: it reads as out of scope.
        func record(_ reference: SecretReference) -> SecretRecord? {
            guard caller.allows(secret: reference.name) else { return nil }
            return SecretName.folded(reference.name).flatMap { stored[$0] }
        }
        let fields = body.fields.map { field in
            let checked = MaskedTemplate(field.template, delimiters: delimiters, limits: node.catalog.current.limits) { reference in
                record(reference).map { Self.mask($0, filters: reference.filters) }
            }
            return FieldView(
                name: field.name, masked: checked.text,
                references: checked.references.map {
                    let found = record($0)
                    return ReferenceView(name: found?.name ?? $0.name, written: $0.name, version: found?.currentVersion,
                                         line: $0.line, column: $0.column)
                },
                errors: TemplateError(problems: checked.problems).scoped(to: caller).problems.map(TemplateErrorsResponse.Item.init),
                moreErrors: checked.unreported > 0 ? checked.unreported : nil)
        }
        return try JSONBody.response(CheckResponse(ok: fields.allSatisfy { $0.errors.isEmpty }, fields: fields))
    }

    /// What stands in for a value: the secret's stored name, its version and the filters applied.
    static func mask(_ record: SecretRecord, filters: [Filter]) -> String {
        let applied = filters.map { " | \($0.name)" }.joined()
        return "«\(record.name) v\(record.currentVersion)\(applied)»"
    }
}
