import Testing
import Resolver

@Suite("Filters")
struct FilterTests {
    let table = try! catalog([
        "Quote": "a\"b\\c/d",
        "Control": "l1\nl2\r\t\u{08}\u{0C}\u{01}\u{1F}",
        "Unicode": "ünï ✓",
        "Query": "a b&c=d/é~._-",
        "One": "M", "Two": "Ma", "Three": "Man",
    ]).current

    @Test func jsonEscapesForTheInsideOfAString() throws {
        #expect(try table.renderBoth("{{Secrets.Quote|json}}") == #"a\"b\\c/d"#)
        #expect(try table.renderBoth("{{Secrets.Control|json}}") == #"l1\nl2\r\t\b\f\u0001\u001F"#)
        #expect(try table.renderBoth("{{Secrets.Unicode|json}}") == "ünï ✓")
    }

    @Test func urlPercentEncodesAllButUnreserved() throws {
        #expect(try table.renderBoth("{{Secrets.Query|url}}") == "a%20b%26c%3Dd%2F%C3%A9~._-")
    }

    @Test func base64WithPadding() throws {
        #expect(try table.renderBoth("{{Secrets.One|base64}} {{Secrets.Two|base64}} {{Secrets.Three|base64}}") == "TQ== TWE= TWFu")
    }

    @Test func filtersChainLeftToRight() throws {
        #expect(try table.renderBoth("{{Secrets.Three|base64|url}}") == "TWFu")
        #expect(try table.renderBoth("{{Secrets.Two | base64 | url}}") == "TWE%3D")
        #expect(try table.renderBoth("{{Secrets.Query|url|json}}") == "a%20b%26c%3Dd%2F%C3%A9~._-")
        #expect(try table.renderBoth("{{Secrets.Quote|json|json}}") == #"a\\\"b\\\\c/d"#)
    }

    @Test func filterNamesAreCaseInsensitive() throws {
        #expect(try table.renderBoth("{{Secrets.Three|BASE64}}") == "TWFu")
    }
}

@Suite("Header guard")
struct HeaderGuardTests {
    let table = try! catalog(["Clean": "token", "Injected": "x\r\nEvil: 1", "Nul": "a\u{0}b", "Lf": "a\nb"]).current

    @Test func aLineBreakIsRefusedInAHeaderOrURL() {
        for name in ["Injected", "Nul", "Lf"] {
            let problems = table.problems("Bearer {{Secrets.\(name)}}", placement: .headerOrURL)
            #expect(problems.map(\.kind) == [.unsafeInHeader], "\(name)")
        }
    }

    @Test func aFilterMakesItSafe() throws {
        #expect(try table.renderBoth("{{Secrets.Injected|url}}", placement: .headerOrURL) == "x%0D%0AEvil%3A%201")
        #expect(try table.renderBoth("{{Secrets.Injected|json}}", placement: .headerOrURL) == #"x\r\nEvil: 1"#)
        #expect(try table.renderBoth("{{Secrets.Nul|base64}}", placement: .headerOrURL) == "YQBi")
    }

    @Test func inABodyAnythingGoes() throws {
        #expect(try table.renderBoth("{{Secrets.Injected}}", placement: .body) == "x\r\nEvil: 1")
    }

    @Test func inARawRequestOnlyTheHeadIsGuarded() throws {
        let head = "POST /x?k={{Secrets.Clean}} HTTP/1.1\r\nAuthorization: {{Secrets.Injected}}\r\n\r\n"
        let problems = table.problems(head + "{{Secrets.Injected}}", placement: .rawHTTPRequest)
        #expect(problems.map { [$0.line, $0.column] } == [[2, 16]])
        #expect(problems.map(\.kind) == [.unsafeInHeader])
        let safe = "GET / HTTP/1.1\nX-Key: {{Secrets.Clean}}\n\n{{Secrets.Injected}}"
        #expect(try table.renderBoth(safe, placement: .rawHTTPRequest) == "GET / HTTP/1.1\nX-Key: token\n\nx\r\nEvil: 1")
    }

    @Test func emptyLinesBeforeTheRequestLineDoNotEndTheHead() {
        // Servers skip them, so the head that follows is guarded all the same.
        for lead in ["\r\n\r\n", "\n\n", "\r\n"] {
            let problems = table.problems(lead + "GET / HTTP/1.1\r\nX-Key: {{Secrets.Injected}}\r\n\r\n", placement: .rawHTTPRequest)
            #expect(problems.map(\.kind) == [.unsafeInHeader], "\(lead.debugDescription)")
        }
    }

    @Test func aCompiledTemplateRechecksAfterARotation() throws {
        let catalog = try catalog(["Key": "fine"])
        let compiled = try CompiledTemplate(Array("X-Key: {{Secrets.Key}}".utf8), table: catalog.current, placement: .headerOrURL)
        try catalog.apply([.set(name: "KEY", value: try SecretValue(Array("bad\nvalue".utf8)))], generation: 2)
        let error = #expect(throws: TemplateError.self) { _ = try compiled.render(with: catalog.current) }
        #expect(error?.problems.map(\.kind) == [.unsafeInHeader])
    }
}
