import Testing
import Resolver

@Suite("Reference grammar")
struct GrammarTests {
    let table = try! catalog(["ApiKey": "k-123", "db_password": "pw", "x-token": "t"]).current

    @Test func substitutesAReference() throws {
        #expect(try table.renderBoth("Bearer {{Secrets.ApiKey}}") == "Bearer k-123")
    }

    @Test func namespaceAndNameAreCaseInsensitive() throws {
        #expect(try table.renderBoth("{{secrets.apikey}}|{{SECRETS.APIKEY}}|{{Secrets.aPiKeY}}") == "k-123|k-123|k-123")
        #expect(try table.renderBoth("{{Secrets.DB_PASSWORD}}{{secrets.X-TOKEN}}") == "pwt")
    }

    @Test func spacesInsideTheDelimitersAreAllowed() throws {
        #expect(try table.renderBoth("{{ Secrets.ApiKey }}{{\tSecrets.ApiKey\t}}{{  Secrets.ApiKey | url  }}") == "k-123k-123k-123")
    }

    @Test func manyReferencesAndAdjacentOnes() throws {
        #expect(try table.renderBoth("{{Secrets.ApiKey}}{{Secrets.ApiKey}}:{{Secrets.db_password}}") == "k-123k-123:pw")
    }

    @Test func otherDoubleBraceTextPassesThroughByteForByte() throws {
        let template = #"{"url": "{{Variables.baseUrl}}/x", "t": "{{ plain }}", "n": {{ {"a":1} }}, "s": "{{SecretsManager.x}}"}"#
        #expect(try table.renderBoth(template) == template)
        #expect(try table.renderBoth("{{") == "{{")
        #expect(try table.renderBoth("}} {{ }}") == "}} {{ }}")
        #expect(try table.renderBoth("") == "")
        #expect(try table.renderBoth("no references at all") == "no references at all")
    }

    @Test func aBraceBeforeAReferenceStaysLiteral() throws {
        #expect(try table.renderBoth("{{{Secrets.ApiKey}}}") == "{k-123}")
    }

    @Test func nonASCIIAroundReferencesIsKept() throws {
        #expect(try table.renderBoth("ключ: {{Secrets.ApiKey}} ✓") == "ключ: k-123 ✓")
    }

    @Test func configurableDelimiters() throws {
        let angles = try Delimiters(open: "<<", close: ">>")
        #expect(try table.renderBoth("a <<Secrets.ApiKey>> b {{Secrets.ApiKey}}", delimiters: angles) == "a k-123 b {{Secrets.ApiKey}}")
        #expect(try table.renderBoth("<< secrets.apikey | base64 >>", delimiters: angles) == "ay0xMjM=")
        let dollar = try Delimiters(open: "${", close: "}")
        #expect(try table.renderBoth("${Secrets.ApiKey}", delimiters: dollar) == "k-123")
    }

    @Test func delimitersThatCouldBePartOfAReferenceAreRefused() {
        #expect(throws: DelimiterError.self) { try Delimiters(open: "", close: "}}") }
        #expect(throws: DelimiterError.self) { try Delimiters(open: "{a", close: "}}") }
        #expect(throws: DelimiterError.self) { try Delimiters(open: "{{", close: "|}") }
        #expect(throws: DelimiterError.self) { try Delimiters(open: "{ ", close: "}") }
        #expect(throws: DelimiterError.self) { try Delimiters(open: String(repeating: "{", count: 17), close: "}") }
    }

    @Test func compilingListsTheReferencedNames() throws {
        let compiled = try CompiledTemplate(Array("{{Secrets.ApiKey}} {{secrets.APIKEY|url}} {{Secrets.db_password}}".utf8), table: table)
        #expect(compiled.referencedNames == ["ApiKey", "db_password"])
        #expect(compiled.references.map(\.column) == [1, 20, 43])
        #expect(compiled.references[1].filters == [.url])
    }

    @Test func namesUpTo128CharactersWork() throws {
        let long = String(repeating: "a", count: 128)
        let catalog = try catalog([long: "v"])
        #expect(try catalog.current.renderBoth("{{Secrets.\(long.uppercased())}}") == "v")
    }
}
