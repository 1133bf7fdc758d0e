import Testing
import Resolver

@Suite("Random templates")
struct PropertyTests {
    static let secrets: KeyValuePairs<String, String> = [
        "Alpha": "α-1", "beta_2": "line1\nline2", "G-3": "quote\"and\\slash", "d": "x",
    ]
    let table = try! catalog(secrets).current

    /// A template built from pieces whose rendering is known, or nil when a piece is an error.
    struct Piece {
        let text: String
        let rendered: String?
    }

    static let literals = ["a", "xyz ", " ", "\n", "\r\n", "é✓", "{", "}", "}}", "{{Variables.x}}", "{ {", "{{ plain }}", "|", "$"]
    static let errorPieces = ["{{Secrets.}}", "{{Secrets.a b}}", "{{Secrets.Alpha|nope}}", "{{ Secrets }}", "{{Secrets.Missing}}", "{{Secrets.Alpha\n"]

    static func randomCase(_ name: String, using rng: inout SeededGenerator) -> String {
        String(name.map { Bool.random(using: &rng) ? Character($0.uppercased()) : Character($0.lowercased()) })
    }

    static func piece(using rng: inout SeededGenerator, errorRate: Double) -> Piece {
        if Double.random(in: 0..<1, using: &rng) < errorRate {
            return Piece(text: errorPieces.randomElement(using: &rng)!, rendered: nil)
        }
        if Bool.random(using: &rng) {
            let text = literals.randomElement(using: &rng)!
            return Piece(text: text, rendered: text)
        }
        let (name, value) = secrets.randomElement(using: &rng)!
        let filters = (0..<Int.random(in: 0...2, using: &rng)).map { _ in Filter.allCases.randomElement(using: &rng)! }
        let space = Bool.random(using: &rng) ? " " : ""
        let namespace = randomCase("secrets", using: &rng)
        let text = "{{\(space)\(namespace).\(randomCase(name, using: &rng))"
            + filters.map { "\(space)|\(space)\($0.name)" }.joined() + "\(space)}}"
        return Piece(text: text, rendered: filters.reduce(value) { Model.apply($1, to: $0) })
    }

    @Test func renderedOutputMatchesAModelAndBothPathsAgree() throws {
        let seed = SeededGenerator.seedForTest("renderedOutputMatchesAModel")
        var rng = SeededGenerator(seed: seed)
        for round in 0..<2_000 {
            let pieces = (0..<Int.random(in: 0...12, using: &rng)).map { _ in
                Self.piece(using: &rng, errorRate: round % 2 == 0 ? 0 : 0.15)
            }
            let template = pieces.map(\.text).joined()
            let errorCount = pieces.filter { $0.rendered == nil }.count
            let problems = table.problems(template)        // asserts one-shot and compiled agree
            #expect(problems.count == errorCount, "seed \(seed) round \(round): \(template.debugDescription)")
            if errorCount == 0 {
                let expected = pieces.compactMap(\.rendered).joined()
                #expect(try table.renderBoth(template) == expected, "seed \(seed) round \(round)")
            }
        }
    }

    @Test func arbitraryBytesNeverCrashAndBothPathsAgree() {
        let seed = SeededGenerator.seedForTest("arbitraryBytesNeverCrash")
        var rng = SeededGenerator(seed: seed)
        let alphabet = Array("{}SsEeCcRrTt.|_- \n\rajsonulbase64dAlph".utf8) + [0, 0xC3, 0xA9, 0xFF]
        for _ in 0..<5_000 {
            let template = (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            var oneShot: Result<[UInt8], TemplateError>
            do { oneShot = .success(try table.render(template).bytes) } catch { oneShot = .failure(error) }
            var compiled: Result<[UInt8], TemplateError>
            do { compiled = .success(try CompiledTemplate(template, table: table).render(with: table).bytes) } catch {
                compiled = .failure(error)
            }
            #expect(oneShot == compiled, "seed \(seed): \(template)")
        }
    }
}

/// An independent, obviously-correct implementation of the filters, to check the fast ones.
enum Model {
    static func apply(_ filter: Filter, to value: String) -> String {
        switch filter {
        case .json:
            return value.unicodeScalars.map { scalar -> String in
                switch scalar {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                case "\n": return "\\n"
                case "\r": return "\\r"
                case "\t": return "\\t"
                case "\u{08}": return "\\b"
                case "\u{0C}": return "\\f"
                case _ where scalar.value < 0x20: return String(format: "\\u%04X", scalar.value)
                default: return String(scalar)
                }
            }.joined()
        case .url:
            let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
            return value.utf8.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
        case .base64:
            return Data(value.utf8).base64EncodedString()
        }
    }
}

import Foundation
