import Testing
@testable import Resolver

/// A template asks a node for bounded work: output, references, problems and the positions of
/// problems are all decided before anything large is allocated or rescanned.
@Suite("Render limits")
struct LimitTests {
    /// A catalog of generation 1 with the given limits.
    func table(_ secrets: [(String, String)], limits: RenderLimits) throws -> SecretTable {
        let catalog = SecretCatalog(hashSeed: 7, limits: limits)
        try catalog.apply(secrets.map { .set(name: $0.0, value: try SecretValue(Array($0.1.utf8))) }, generation: 1)
        return catalog.current
    }

    @Test func outputAtTheLimitRendersAndOneBytePastIsRefused() throws {
        let value = String(repeating: "v", count: 100)
        let table = try table([("Big", value)], limits: RenderLimits(maxOutputBytes: 1_000))
        let ten = String(repeating: "{{Secrets.Big}}", count: 10)
        #expect(try table.renderBoth(ten).count == 1_000)
        let problems = table.problems(ten + "x")
        #expect(problems.map(\.kind) == [.outputTooLarge])
        #expect(problems[0].message.contains("larger than 1000 bytes"))
        // Filters count toward the limit: base64 of 100 bytes is 136.
        #expect(table.problems(String(repeating: "{{Secrets.Big|base64}}", count: 8)).map(\.kind) == [.outputTooLarge])
    }

    @Test func aChainOfFiltersStopsAtTheLimitInsteadOfGrowingTheValue() throws {
        // Each json step doubles a backslash: eight of them grow 64 KiB to 16 MiB.
        let value = String(repeating: "\\", count: SecretValue.maxCount)
        let table = try table([("Slashes", value)], limits: RenderLimits(maxOutputBytes: 1024 * 1024))
        let chain = "{{Secrets.Slashes" + String(repeating: " | json", count: 8) + "}}"
        #expect(table.problems(chain).map(\.kind) == [.outputTooLarge])
        #expect(try table.renderBoth("{{Secrets.Slashes | json | json | json | json}}").utf8.count == 1024 * 1024)
    }

    @Test func the80000ReferenceTemplateOfTheReviewIsRefusedBeforeAllocating() throws {
        // 1 MiB of references to a 64 KiB value asked for 5 GiB: now it is a 422 at once.
        let table = try table([("V", String(repeating: "x", count: SecretValue.maxCount))], limits: .default)
        let template = String(repeating: "{{Secrets.V}}", count: 1024 * 1024 / 13)
        let problems = table.problems(template)
        #expect(problems.map(\.kind) == [.tooManyReferences])
        #expect(problems[0].column == 13 * RenderLimits.defaultMaxReferences + 1)
        // Under the reference limit the output limit still holds: 300 references of 64 KiB.
        #expect(table.problems(String(repeating: "{{Secrets.V}}", count: 300)).map(\.kind) == [.outputTooLarge])
    }

    @Test func theReferenceLimitHoldsOnEveryPath() throws {
        let table = try table([("A", "a")], limits: RenderLimits(maxReferences: 3))
        #expect(try table.renderBoth("{{Secrets.A}}{{Secrets.A}}{{Secrets.A}}") == "aaa")
        let problems = table.problems("{{Secrets.A}}{{Secrets.A}}\n{{Secrets.A}} {{Secrets.A}}")
        #expect(problems.map(\.kind) == [.tooManyReferences])
        #expect(problems.map { [$0.line, $0.column] } == [[2, 15]])
        let masked = MaskedTemplate("{{Secrets.A}}{{Secrets.A}}{{Secrets.A}}{{Secrets.A}}", limits: table.limits) { _ in "«A»" }
        #expect(masked.problems.map(\.kind) == [.tooManyReferences])
    }

    @Test func atMostAHundredProblemsAreListedAndTheRestCounted() throws {
        // The review's quadratic template: every `{{Secrets` is unterminated or malformed.
        let table = try table([("A", "a")], limits: .default)
        let count = 1024 * 1024 / 9
        let template = Array(String(repeating: "{{Secrets", count: count).utf8)
        var caught: TemplateError?
        do { _ = try table.render(template) } catch { caught = error }
        let error = try #require(caught)
        #expect(error.problems.count == ProblemList.maxReported)
        #expect(error.problems.count + error.unreported == count)
        #expect(error.problems.last.map { [$0.line, $0.column] } == [1, 9 * 99 + 1])
        #expect(error.description.hasSuffix("… and \(count - 100) more problems"))

        let masked = MaskedTemplate(String(decoding: template, as: UTF8.self)) { _ in nil }
        #expect(masked.problems.count == 100)
        #expect(masked.unreported == count - 100)
    }

    @Test func unknownNamesPastTheHundredthAreCountedToo() throws {
        let table = try table([("A", "a")], limits: .default)
        let template = (0..<250).map { "{{Secrets.N\($0)}}\n" }.joined()
        var caught: TemplateError?
        do { _ = try CompiledTemplate(Array(template.utf8), table: table) } catch { caught = error }
        let error = try #require(caught)
        #expect(error.problems.count == 100)
        #expect(error.unreported == 150)
        #expect(error.problems.last?.line == 100)
    }

    @Test func positionsInOnePassMatchACountFromTheStart() {
        let seed = SeededGenerator.seedForTest("positionsInOnePassMatchACountFromTheStart")
        var random = SeededGenerator(seed: seed)
        let alphabet: [UInt8] = Array("ab\n".utf8) + Array("é✓".utf8)
        let bytes = (0..<5_000).map { _ in alphabet.randomElement(using: &random)! }
        bytes.withUnsafeBytes { source in
            var positions = SourcePositions(source)
            var offsets = (0..<200).map { _ in Int.random(in: 0...source.count, using: &random) }
            offsets.sort()
            offsets += [3, 4_000, 17]       // going back starts from the top
            for offset in offsets {
                var line = 1, column = 1
                for byte in source[..<offset] {
                    if byte == 0x0A { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
                }
                #expect(positions.position(at: offset) == SourcePosition(line: line, column: column), "seed \(seed)")
            }
        }
    }
}
