import Resolver
import Testing

/// A token's view of a table: the same generation with only the secrets it may use. Every
/// render path sees the rest as unknown, named in the problem, and the view shares the
/// values (no copy of any).
@Suite("Restricted tables")
struct RestrictedTableTests {
    @Test func aViewRendersItsSecretsAndReportsTheRestByName() throws {
        let catalog = try catalogOf((0..<150).map { ("S\($0)", "value-\($0)") } + [("Pay_A", "pa"), ("Pay_B", "pb")])
        let full = catalog.current
        let view = full.restricted { $0.lowercased().hasPrefix("pay_") }
        #expect(view.generation == full.generation && view.count == 2 && view.names == ["Pay_A", "Pay_B"])
        #expect(try view.renderBoth("{{Secrets.pay_a}}-{{Secrets.PAY_B | base64}}") == "pa-cGI=")
        let problems = view.problems("{{Secrets.S7}} {{Secrets.Pay_A}}\n{{Secrets.Nope}}")
        #expect(problems.map(\.kind) == [.unknownSecret, .unknownSecret])
        #expect(problems.map(\.name) == ["S7", "Nope"])
        #expect(problems.map(\.line) == [1, 2])
        #expect(problems[0].outOfScope.message == problems[1].outOfScope.message.replacingOccurrences(of: "Nope", with: "S7"),
                "an existing and a missing name read alike")
        #expect(try full.renderBoth("{{Secrets.S149}}") == "value-149", "the full table is untouched")
        #expect(full.restricted { _ in false }.count == 0)
    }
}
