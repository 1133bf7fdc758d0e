import CofferStore
import Testing

/// Where a secret may be sent: host patterns against the destinations a request names,
/// including the hosts that try to look like an allowed one.
@Suite("Destinations")
struct DestinationTests {
    static func allowed(_ patterns: [String], _ url: String) throws -> Bool {
        let list = try patterns.map { try #require(HostPattern($0), "\($0)") }
        guard let destination = Destination(url: url) else { return false }
        return list.contains { $0.matches(destination) }
    }

    @Test(arguments: [
        ("https://api.stripe.com/v1/charges", true),
        ("https://API.Stripe.COM./v1", true),                  // uppercase and a trailing dot
        ("https://api.stripe.com:443/", true),
        ("https://api.stripe.com.evil.example/", false),
        ("https://evilstripe.com/", false),
        ("https://api.stripe.com@evil.example/", false),       // userinfo: the host is evil.example
        ("https://evil.example/?u=https://api.stripe.com", false),
        ("https://1.2.3.4/", false),                            // an IP literal
        ("https://[::1]/", false),
        ("https://api.stripe.com:8443/", false),               // another port
        ("http://api.stripe.com/", false),                      // clear text needs ':80' in the pattern
        ("http://api.stripe.com:443/", false),                  // clear text on https's port
        ("ws://api.stripe.com/", false),
        ("wss://api.stripe.com/", true),
        ("ftp://api.stripe.com/", false),                       // a scheme without a known port or encryption
        ("https://evil.example\\@api.stripe.com/", false),      // read two ways: no destination
        ("https://a@b@api.stripe.com/", false),
        ("https://stripe.com/", false),
        ("api.stripe.com/v1", false),                           // no scheme: no destination
        ("https://xn--bcher-kva.example/", false),
    ])
    func anExactHost(url: String, allowed: Bool) throws {
        #expect(try Self.allowed(["api.stripe.com"], url) == allowed, "\(url)")
    }

    @Test func aWildcardTakesLabelsInFrontNeverTheBareDomain() throws {
        #expect(try Self.allowed(["*.stripe.com"], "https://api.stripe.com/"))
        #expect(try Self.allowed(["*.stripe.com"], "https://a.b.stripe.com/"))
        #expect(try !Self.allowed(["*.stripe.com"], "https://stripe.com/"))
        #expect(try !Self.allowed(["*.stripe.com"], "https://evilstripe.com/"))
        #expect(try !Self.allowed(["*.stripe.com"], "https://stripe.com.evil.example/"))
        #expect(try Self.allowed(["hooks.example.com:8443"], "https://hooks.example.com:8443/x"))
        #expect(try !Self.allowed(["hooks.example.com:8443"], "https://hooks.example.com/x"))
        #expect(try Self.allowed(["xn--bcher-kva.example"], "https://XN--BCHER-KVA.example/"))
        #expect(try Self.allowed(["api.stripe.com:80"], "http://api.stripe.com/"))
        #expect(Destination(hostHeader: " Api.Stripe.com:443 ")?.description == "api.stripe.com:443")
    }

    @Test func patternsWithSchemesPathsOrInnerStarsAreRefused() {
        for bad in ["https://api.stripe.com", "api.stripe.com/v1", "api.*.com", "*", "*.", "*.com.", "a..b", "exämple.com", "",
                    "api.stripe.com:0", "api.stripe.com:99999", "user@api.stripe.com", "**.stripe.com", "*api.stripe.com"] {
            #expect(HostPattern(bad) == nil, "\(bad)")
        }
    }
}
