@testable import CofferAPI
import Resolver
import Testing

/// Where a render goes, as its request says, and when the request cannot say: a part a
/// reference could change, or that parsers could read two ways, is unknown, and a
/// `destination=` parameter never stands in for an unknown part.
@Suite("Render destinations")
struct RenderDestinationTests {
    static let stripe = "https://api.stripe.com/v1"

    /// The destination found, as `host[:port]`, or nil when none is known.
    static func find(_ template: String, _ placement: String, _ parameter: String? = nil) throws -> String? {
        var bytes = Array(template.utf8)
        return try bytes.withUnsafeMutableBytes { buffer in
            try RenderDestination.find(template: UnsafeRawBufferPointer(buffer), placement: placement, delimiters: .braces,
                                       parameter: parameter)
        }?.description
    }

    @Test(arguments: [
        ("GET https://api.stripe.com/v1 HTTP/1.1\r\nHost: api.stripe.com\r\n\r\n", "api.stripe.com:443"),
        ("GET /v1 HTTP/1.1\r\nHost: API.Stripe.com.\r\nAuthorization: Bearer {{Secrets.Key}}\r\n\r\n", "api.stripe.com"),
        ("\r\n\r\nGET /v1 HTTP/1.1\r\nHost: api.stripe.com\r\n\r\n", "api.stripe.com"),          // empty lines first
        ("GET /v1 HTTP/1.1\nhost: api.stripe.com:8443\n\n", "api.stripe.com:8443"),
        ("POST /v1 HTTP/1.1\r\nHost: api.stripe.com\r\n\r\n{\"hook\":\"https://hooks.example.com/GET /x\"}", "api.stripe.com"),
    ])
    func aRequestNamesItsDestination(template: String, expected: String) throws {
        #expect(try Self.find(template, "http") == expected)
    }

    @Test(arguments: [
        ("a templated Host", "GET /v1 HTTP/1.1\r\nHost: {{Secrets.Host}}\r\n\r\n"),
        ("a templated header name", "GET /v1 HTTP/1.1\r\n{{Secrets.Name}}: evil.example\r\n\r\n"),
        ("a templated header line", "GET /v1 HTTP/1.1\r\n{{Secrets.Line}}\r\n\r\n"),
        ("a templated request target", "GET {{Secrets.Url}} HTTP/1.1\r\n\r\n"),
        ("a templated method", "{{Secrets.Method}} /v1 HTTP/1.1\r\n\r\n"),
        ("a folded Host", "GET /v1 HTTP/1.1\r\nHost: api.stripe.com\r\n evil.example\r\n\r\n"),
        ("a space before the colon", "GET /v1 HTTP/1.1\r\nHost : evil.example\r\n\r\n"),
        ("a bare CR in a header", "GET /v1 HTTP/1.1\r\nX: a\rHost: evil.example\r\n\r\n"),
        ("a tab in the request line", "GET\thttps://evil.example/ HTTP/1.1\r\n\r\n"),
        ("a Host that is no host", "GET /v1 HTTP/1.1\r\nHost: evil example\r\n\r\n"),
        ("an authority-form target", "CONNECT evil.example:443 HTTP/1.1\r\n\r\n"),
        ("a second request", "GET /v1 HTTP/1.1\r\nContent-Length: 0\r\n\r\nGET /x HTTP/1.1\r\nHost: evil.example\r\n\r\n"),
        ("a backslash in the target's authority", "GET https://evil.example\\@api.stripe.com/ HTTP/1.1\r\n\r\n"),
        ("a version with a space after it", "GET /v1 HTTP/1.1\r\n\r\nGET https://evil.example/ HTTP/1.1 \r\n\r\n"),
        ("a templated version", "GET /v1 HTTP/1.1\r\n\r\nGET https://evil.example/ HTTP/1.{{Secrets.One}}\r\n\r\n"),
        ("a request without a version", "GET /v1 HTTP/1.1\r\n\r\nGET https://evil.example/?k={{Secrets.Key}}\r\n"),
        ("a body that mentions HTTP/1.1", "POST /v1 HTTP/1.1\r\n\r\n{\"note\":\"HTTP/1.1 is old\"}"),
    ])
    func aRequestThatCannotSayIsUnknownEvenWithADestinationParameter(_ what: String, template: String) throws {
        #expect(try Self.find(template, "http", Self.stripe) == nil, "\(what)")
    }

    @Test func theRequestAndTheParameterMustAgree() throws {
        // A Host without a port agrees with the scheme's port of the parameter.
        #expect(try Self.find("GET /v1 HTTP/1.1\r\nHost: api.stripe.com\r\n\r\n", "http", Self.stripe) == "api.stripe.com:443")
        #expect(try Self.find("GET /v1 HTTP/1.1\r\n\r\n", "http", Self.stripe) == "api.stripe.com:443")  // absent: the parameter says
        #expect(throws: APIError.self) { try Self.find("GET /v1 HTTP/1.1\r\nHost: evil.example\r\n\r\n", "http", Self.stripe) }
        #expect(throws: APIError.self) { try Self.find("GET /v1 HTTP/1.1\r\nHost: api.stripe.com:8443\r\n\r\n", "http", Self.stripe) }
        #expect(throws: APIError.self) { try Self.find("GET /v1 HTTP/1.1\r\nHost: a.example\r\nhost: a.example\r\n\r\n", "http") }
        #expect(throws: APIError.self) { try Self.find("GET https://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n", "http") }
        #expect(throws: APIError.self) { try Self.find("{{Secrets.Key}}", "body", "api.stripe.com") }
        #expect(try Self.find("{{Secrets.Key}}", "body", Self.stripe) == "api.stripe.com:443")
    }

    @Test(arguments: [
        ("  https://api.stripe.com/v1?key={{Secrets.Key|url}}", nil, "api.stripe.com:443"),   // leading spaces
        ("https://api.stripe.com:8443/{{Secrets.Path}}", nil, "api.stripe.com:8443"),
        ("/v1/charges?key={{Secrets.Key}}", stripe, "api.stripe.com:443"),                  // a path: the parameter says
        ("/v1/charges?key={{Secrets.Key}}", nil, nil),
    ] as [(String, String?, String?)])
    func aURLNamesItsDestination(template: String, parameter: String?, expected: String?) throws {
        #expect(try Self.find(template, "url", parameter) == expected)
    }

    /// Delimiters may hold '/', '?', '#' or ':': a reference that starts where the authority or
    /// a header name ends could move that end.
    @Test func aDelimiterThatCouldEndTheAuthorityMakesItUnknown() throws {
        func find(_ template: String, _ placement: String, open: String, close: String) throws -> String? {
            var bytes = Array(template.utf8)
            return try bytes.withUnsafeMutableBytes { buffer in
                try RenderDestination.find(template: UnsafeRawBufferPointer(buffer), placement: placement,
                                           delimiters: try Delimiters(open: open, close: close), parameter: Self.stripe)
            }?.description
        }
        #expect(try find("https://api.stripe.com?{Secrets.Key}.evil.example/", "url", open: "?{", close: "}") == nil)
        #expect(try find("https://api.stripe.com/{Secrets.Key}", "url", open: "/{", close: "}") == nil)
        #expect(try find("https://api.stripe.com/v1?k=<%Secrets.Key%>", "url", open: "<%", close: "%>") == "api.stripe.com:443")
        #expect(try find("GET /v1 HTTP/1.1\r\nHos:{Secrets.T}: x\r\n\r\n", "http", open: ":{", close: "}") == nil)
    }

    @Test(arguments: [
        "/{{Secrets.Path}}/evil.example/",
        "ftp://api.stripe.com/",
        "https://{{Secrets.Sub}}.stripe.com/",
        "https://api.stripe.com{{Secrets.Port}}/",
        "{{Secrets.Base}}/v1",
        "https://evil.example\\@api.stripe.com/",
        "https:\\\\evil.example/",
        "https:evil.example/?u=https://api.stripe.com/",
        "/\\evil.example/",
        "//evil.example/v1",
        "https://a@b@api.stripe.com/",
        "https://api.stri%70e.com/",
        "https://api.stripe.com\t.evil.example/",
    ])
    func aURLThatCouldBeReadTwoWaysIsUnknown(template: String) throws {
        #expect(try Self.find(template, "url", Self.stripe) == nil, "\(template)")
    }
}
