import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Resolver

/// An error answer: a status and `{"error": {"code", "message"}}`. Messages name secrets and
/// fields, never values or tokens.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        let body = try JSONEncoder().encode(["error": ["code": code, "message": message]])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func badRequest(_ message: String, code: String = "invalid_request") -> APIError {
        APIError(status: .badRequest, code: code, message: message)
    }

    static let unauthorized = APIError(
        status: .unauthorized, code: "unauthorized", message: "a valid bearer token is required",
        headers: [.wwwAuthenticate: "Bearer"])

    static func forbidden(_ role: String, needs roles: [String]) -> APIError {
        APIError(status: .forbidden, code: "forbidden",
                 message: "a token with role '\(role)' cannot do this; it needs role \(roles.joined(separator: " or "))")
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: "too_large", message: "request body larger than \(limit) bytes")
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }
}

/// The 422 answer of a template that cannot be rendered: every problem with its position.
struct TemplateErrorsResponse: Encodable {
    struct Item: Encodable {
        let line: Int
        let column: Int
        let kind: String
        let message: String

        init(_ problem: TemplateProblem) {
            line = problem.line
            column = problem.column
            kind = problem.kind.rawValue
            message = problem.message
        }
    }

    let errors: [Item]
    /// Problems found past the hundred listed.
    let moreErrors: Int?

    init(_ error: TemplateError) {
        errors = error.problems.map(Item.init)
        moreErrors = error.unreported > 0 ? error.unreported : nil
    }

    enum CodingKeys: String, CodingKey {
        case errors, moreErrors = "more_errors"
    }
}
