import Resolver
import Testing

@Suite("Masked templates")
struct MaskedTemplateTests {
    /// Masks from a fixed name list, the way the API builds them from stored records.
    static func check(_ source: String, delimiters: Delimiters = .braces) -> MaskedTemplate {
        let stored = ["paymentskey": "PaymentsKey", "db_password": "DB_Password"]
        return MaskedTemplate(source, delimiters: delimiters) { reference in
            stored[reference.name.lowercased()].map { name in
                "«\(name)\(reference.filters.map { " | \($0.name)" }.joined())»"
            }
        }
    }

    @Test func knownReferencesAreReplacedByTheirMaskAndTheRestIsKept() {
        let checked = Self.check("Authorization: Bearer {{ secrets.paymentskey }}\n{\"pw\": \"{{Secrets.DB_PASSWORD|json}}\", \"v\": \"{{Variables.x}}\"}")
        #expect(checked.isClean)
        #expect(checked.text == "Authorization: Bearer «PaymentsKey»\n{\"pw\": \"«DB_Password | json»\", \"v\": \"{{Variables.x}}\"}")
        #expect(checked.references.map(\.name) == ["paymentskey", "DB_PASSWORD"])
        #expect(checked.references.map { [$0.line, $0.column] } == [[1, 23], [2, 9]])
    }

    @Test func unknownAndMalformedReferencesAreProblemsInSourceOrderAndStayAsWritten() {
        let checked = Self.check("{{Secrets.Nope}} {{Secrets.PaymentsKey}}\n  {{Secrets.bad name}} {{Secrets.paymentskey | rot13}}")
        #expect(!checked.isClean)
        #expect(checked.problems.map(\.kind) == [.unknownSecret, .malformedReference, .malformedReference])
        #expect(checked.problems.map { [$0.line, $0.column] } == [[1, 1], [2, 3], [2, 24]])
        #expect(checked.problems[0].message == "unknown secret 'Nope'")
        #expect(checked.text == "{{Secrets.Nope}} «PaymentsKey»\n  {{Secrets.bad name}} {{Secrets.paymentskey | rot13}}")
    }

    @Test func positionsCountCharactersNotBytes() {
        let checked = Self.check("é€ {{Secrets.Missing}}")
        #expect(checked.problems.map { [$0.line, $0.column] } == [[1, 4]])
    }

    @Test func otherDelimitersWork() throws {
        let checked = Self.check("<<Secrets.PaymentsKey>> {{Secrets.PaymentsKey}}", delimiters: try Delimiters(open: "<<", close: ">>"))
        #expect(checked.text == "«PaymentsKey» {{Secrets.PaymentsKey}}")
    }

    @Test func aTemplateWithoutReferencesIsUnchanged() {
        let checked = Self.check("GET /health {{ not a reference }}")
        #expect(checked.isClean && checked.references.isEmpty)
        #expect(checked.text == "GET /health {{ not a reference }}")
    }
}
