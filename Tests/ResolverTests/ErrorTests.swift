import Testing
import Resolver

@Suite("Template errors")
struct ErrorTests {
    let table = try! catalog(["Known": "value"]).current

    @Test func malformedReferencesAreReportedWithPositions() {
        let problems = table.problems("a {{Secrets.}}\n  {{Secrets.bad name}}\n{{ Secrets }} {{Secrets.Known | rot13}}")
        #expect(problems.map(\.kind) == [.malformedReference, .malformedReference, .malformedReference, .malformedReference])
        #expect(problems.map { [$0.line, $0.column] } == [[1, 3], [2, 3], [3, 1], [3, 15]])
        #expect(problems[0].message.contains("missing secret name"))
        #expect(problems[1].message.contains("unexpected 'n'"))
        #expect(problems[2].message.contains("expected '.'"))
        #expect(problems[3].message.contains("unknown filter 'rot13'"))
    }

    @Test func unterminatedReferences() {
        let endOfLine = table.problems("x {{Secrets.Known\n}}")
        #expect(endOfLine.map(\.kind) == [.unterminatedReference])
        #expect(endOfLine[0].message.contains("before the end of the line"))
        let endOfTemplate = table.problems("{{Secrets.Known} ")
        #expect(endOfTemplate.map(\.kind) == [.malformedReference])
        let eof = table.problems("ok\n{{Secrets.Known ")
        #expect(eof.map(\.kind) == [.unterminatedReference])
        #expect(eof.map { [$0.line, $0.column] } == [[2, 1]])
        #expect(eof[0].message.contains("no '}}' before the end of the template"))
    }

    @Test func everyUnknownNameIsReportedNotRenderedEmpty() {
        let problems = table.problems("{{Secrets.Missing}} {{Secrets.Known}}\n\t{{secrets.other}}")
        #expect(problems.map(\.kind) == [.unknownSecret, .unknownSecret])
        #expect(problems.map(\.message) == ["unknown secret 'Missing'", "unknown secret 'other'"])
        #expect(problems.map { [$0.line, $0.column] } == [[1, 1], [2, 2]])
    }

    @Test func syntaxAndUnknownNamesComeTogetherInSourceOrder() {
        let problems = table.problems("{{Secrets.Nope}} {{Secrets.a b}} {{Secrets.Known|}}")
        #expect(problems.map(\.kind) == [.unknownSecret, .malformedReference, .malformedReference])
        #expect(problems[2].message.contains("missing filter name"))
    }

    @Test func columnsCountCharactersNotBytes() {
        let problems = table.problems("é✓ {{Secrets.x y}}")
        #expect(problems.map(\.column) == [4])
    }

    @Test func tooLongANameIsMalformed() {
        let problems = table.problems("{{Secrets.\(String(repeating: "n", count: 129))}}")
        #expect(problems.map(\.kind) == [.malformedReference])
        #expect(problems[0].message.contains("longer than 128"))
    }

    @Test func tooManyFilters() {
        let problems = table.problems("{{Secrets.Known" + String(repeating: "|url", count: 9) + "}}")
        #expect(problems[0].message.contains("more than 8 filters"))
    }

    @Test func aDeletedSecretFailsACompiledTemplateWithItsPosition() throws {
        let catalog = try catalog(["A": "1", "B": "2"])
        let compiled = try CompiledTemplate(Array("x\n  {{Secrets.A}}{{Secrets.B}}".utf8), table: catalog.current)
        try catalog.apply([.remove(name: "a")], generation: 2)
        let error = #expect(throws: TemplateError.self) { _ = try compiled.render(with: catalog.current) }
        #expect(error?.problems.map(\.description) == ["2:3: unknown secret 'A'"])
    }

    @Test func errorsNeverContainValues() {
        let secretValue = "s3cr3t-VALUE"
        let table = try! catalog(["Leaky": secretValue]).current
        let problems = table.problems("{{Secrets.Leaky}}\r\nX: {{Secrets.Leaky}} {{Secrets.Nope}} {{Secrets.}}", placement: .headerOrURL)
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { !$0.message.contains(secretValue) })
    }
}
