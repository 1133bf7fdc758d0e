import HTTPTypes
import Hummingbird

/// Joined once, at file scope: a generic type has no stored statics, and joining it per answer
/// showed in profiles.
private let consoleContentSecurityPolicy = [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
    "connect-src 'self'", "form-action 'none'", "frame-ancestors 'none'", "base-uri 'none'",
].joined(separator: "; ")

/// Headers on every answer, errors included. The console runs only its own files (no inline
/// script or style, no other origin, no framing); nothing is cached, since an answer may hold
/// a generated value or a new token.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = consoleContentSecurityPolicy
        response.headers[.cacheControl] = "no-store"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = "DENY"
        // The API is HTTPS only: a browser that has seen a node never tries it in plain text.
        response.headers[.strictTransportSecurity] = "max-age=31536000"
        return response
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let strictTransportSecurity = HTTPField.Name("Strict-Transport-Security")!
}
