import Testing
import Resolver

@Suite("Value scanner")
struct ValueScannerTests {
    private static func subject(_ name: String, _ version: UInt64 = 1, _ state: ScanSubject.State = .current) -> ScanSubject {
        ScanSubject(name: name, version: version, state: state)
    }

    private static func scanner(_ values: [(String, [UInt8])]) throws -> ValueScanner {
        ValueScanner(try values.map { (subject($0.0), try SecretValue($0.1)) })
    }

    @Test func findsEachEncodingWithItsLineAndColumn() throws {
        let value = Array("p@ss w\"rd/Ω-123".utf8)
        let scanner = try Self.scanner([("Key", value)])
        let rendered = try catalogOf([("Key", String(decoding: value, as: UTF8.self))]).current
        let json = try rendered.renderBoth("{{Secrets.Key|json}}"), url = try rendered.renderBoth("{{Secrets.Key|url}}")
        let base64 = try rendered.renderBoth("{{Secrets.Key|base64}}")
        let text = "first line\nraw: " + String(decoding: value, as: UTF8.self) + "\n\n{\"k\": \"" + json + "\"}\n?q=" + url
            + "&x\nAuthorization: Basic " + base64 + "\n"
        let found = scanner.findings(in: Array(text.utf8))
        #expect(found.map(\.encoding) == [.raw, .json, .url, .base64])
        #expect(found.map(\.line) == [2, 4, 5, 6])
        #expect(found.map(\.column) == [6, 8, 4, 22])
        #expect(found.map(\.length) == [value.count, json.utf8.count, url.utf8.count, base64.utf8.count])
        for finding in found {
            let start = text.utf8.index(text.utf8.startIndex, offsetBy: Int(finding.offset))
            let end = text.utf8.index(start, offsetBy: finding.length)
            let expected: String = switch finding.encoding {
            case .raw: String(decoding: value, as: UTF8.self)
            case .json: json
            case .url: url
            case .base64: base64
            }
            #expect(String(text.utf8[start..<end]) == expected)
        }
    }

    @Test func valuesShorterThanEightBytesAreNotLookedFor() throws {
        let scanner = try Self.scanner([("Short", Array("1234567".utf8)), ("Long", Array("12345678".utf8))])
        #expect(scanner.tooShort == [0])
        let found = scanner.findings(in: Array("a 1234567 b 12345678 c".utf8))
        #expect(found.map(\.subject) == [1])
        #expect(found.map(\.offset) == [12])
    }

    @Test func overlappingOccurrencesAndSharedValuesAreEachReported() throws {
        let scanner = ValueScanner([
            (Self.subject("A", 1, .compromised), try SecretValue(Array("abababababab".utf8))),
            (Self.subject("A", 2), try SecretValue(Array("zzzzzzzzzzzzzzzzzz".utf8))),
            (Self.subject("B", 4, .previous), try SecretValue(Array("abababababab".utf8))),
        ])
        let found = scanner.findings(in: Array("xabababababababy".utf8))
        #expect(found.map(\.offset) == [1, 1, 3, 3])
        #expect(found.map(\.subject) == [0, 2, 0, 2])
        #expect(scanner.subjects[found[0].subject].state == .compromised)
    }

    @Test func aValueThatIsAPrefixOfItsJSONFormIsOneFinding() throws {
        let scanner = try Self.scanner([("Key", Array(#"abcdefgh\"#.utf8))])
        let found = scanner.findings(in: Array(#"{"k": "abcdefgh\\"} abcdefgh\ "#.utf8))
        #expect(found.map(\.encoding) == [.json, .raw])
        #expect(found.map(\.offset) == [7, 20])
    }

    @Test func aValueInsideItsOwnJSONFormIsOneFinding() throws {
        let scanner = try Self.scanner([("Key", Array(#""quoted-value"#.utf8))])
        let found = scanner.findings(in: Array(#"{"k": "\"quoted-value"} "quoted-value"#.utf8))
        #expect(found.map(\.encoding) == [.json, .raw])
        #expect(found.map(\.offset) == [7, 24])
    }

    @Test func aStreamCountsEveryFindingButKeepsOnlyTheFirst() throws {
        let scanner = try Self.scanner([("Key", Array("0123456789abcdef".utf8))])
        let stream = scanner.makeStream(maximumFindings: 3)
        let line = Array("0123456789abcdef\n".utf8)
        for _ in 0..<10 { line.withUnsafeBytes { stream.feed($0) } }
        let result = stream.finish()
        #expect(result.total == 10)
        #expect(result.findings.map(\.line) == [1, 2, 3])
        #expect(result.bytes == UInt64(line.count * 10))
    }

    @Test func aStreamReportsOnlyTheSubjectsItIsGiven() throws {
        let scanner = try Self.scanner([("Mine", Array("mine-0123456789".utf8)), ("Theirs", Array("theirs-0123456789".utf8))])
        let stream = scanner.makeStream(reporting: { $0.name == "Mine" })
        Array("theirs-0123456789 mine-0123456789".utf8).withUnsafeBytes { stream.feed($0) }
        let result = stream.finish()
        #expect(result.findings.map(\.subject) == [0])
        #expect(result.total == 1)
    }

    @Test func noValuesFindNothing() {
        let scanner = ValueScanner([])
        #expect(scanner.findings(in: Array("anything at all".utf8)).isEmpty)
    }

    /// The scanner against a plain search of every encoded form, over random values (from
    /// small alphabets, so values overlap and share grams), random text with planted
    /// occurrences, and random piece sizes.
    @Test func agreesWithAPlainSearch() throws {
        let seed = SeededGenerator.seedForTest("agreesWithAPlainSearch")
        var random = SeededGenerator(seed: seed)
        for round in 0..<60 {
            let alphabet: [UInt8] = round % 3 == 0 ? Array("ab\"%/ \n".utf8) : round % 3 == 1 ? Array("abc".utf8)
                : (0...255).map { UInt8($0) }
            let count = Int.random(in: 1...40, using: &random)
            var values: [(String, [UInt8])] = []
            for index in 0..<count {
                let length = Int.random(in: 5...(round % 2 == 0 ? 20 : 90), using: &random)
                values.append(("S\(index)", (0..<length).map { _ in alphabet.randomElement(using: &random)! }))
            }
            let scanner = try Self.scanner(values)
            var forms: [(subject: Int, encoding: ScanEncoding, bytes: [UInt8])] = []
            for (index, (_, value)) in values.enumerated() where value.count >= 8 {
                for encoding in ScanEncoding.allCases {
                    let bytes = encoded(value, encoding)
                    if encoding != .raw, encoding != .base64, bytes == value { continue }
                    forms.append((index, encoding, bytes))
                }
            }
            var text: [UInt8] = []
            let size = Int.random(in: 0...6_000, using: &random)
            while text.count < size {
                if !forms.isEmpty, Int.random(in: 0..<8, using: &random) == 0 {
                    text += forms.randomElement(using: &random)!.bytes
                } else {
                    text += (0..<Int.random(in: 1...30, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
                }
            }
            let stream = scanner.makeStream(maximumFindings: .max)
            var fed = 0
            text.withUnsafeBytes { bytes in
                while fed < bytes.count {
                    let piece = min(bytes.count - fed, Int.random(in: 1...700, using: &random))
                    stream.feed(UnsafeRawBufferPointer(rebasing: bytes[fed..<fed + piece]))
                    fed += piece
                }
            }
            let found = stream.finish().findings
            var lines: [Int] = [], lineStarts: [Int] = []
            var line = 1, lineStart = 0
            for (offset, byte) in text.enumerated() {
                lines.append(line)
                lineStarts.append(lineStart)
                if byte == 0x0A { line += 1; lineStart = offset + 1 }
            }
            var expected: [ScanFindingKey] = []
            for form in forms where form.bytes.count <= text.count {
                for start in 0...(text.count - form.bytes.count)
                where text[start] == form.bytes[0] && text[start..<start + form.bytes.count].elementsEqual(form.bytes) {
                    expected.append(ScanFindingKey(offset: start, subject: form.subject, encoding: form.encoding,
                                                   line: lines[start], column: start - lineStarts[start] + 1,
                                                   length: form.bytes.count))
                }
            }
            // One finding per (offset, subject): the longest form there, unless an earlier
            // finding of the subject holds it whole.
            var longest: [Int: ScanFindingKey] = [:]
            for key in expected {
                let slot = key.offset &* 1_000 + key.subject
                if let kept = longest[slot], kept.length >= key.length { continue }
                longest[slot] = key
            }
            var coveredUntil: [Int: Int] = [:]
            expected = longest.values.sorted().filter { key in
                if let covered = coveredUntil[key.subject], key.offset + key.length <= covered { return false }
                coveredUntil[key.subject] = key.offset + key.length
                return true
            }
            let actual = found.map {
                ScanFindingKey(offset: Int($0.offset), subject: $0.subject, encoding: $0.encoding, line: Int($0.line),
                               column: Int($0.column), length: $0.length)
            }
            #expect(actual.sorted() == expected.sorted(), "round \(round), seed \(seed)")
            #expect(zip(actual, actual.dropFirst()).allSatisfy { $0.offset <= $1.offset }, "findings come by offset")
        }
    }

    private func encoded(_ value: [UInt8], _ encoding: ScanEncoding) -> [UInt8] {
        guard encoding != .raw else { return value }
        let table = try! SecretCatalog.single(value)
        return try! table.render(Array("{{Secrets.V|\(encoding.rawValue)}}".utf8), delimiters: .braces, placement: .body).bytes
    }
}

private struct ScanFindingKey: Comparable {
    let offset: Int
    let subject: Int
    let encoding: ScanEncoding
    let line: Int
    let column: Int
    let length: Int

    static func < (a: ScanFindingKey, b: ScanFindingKey) -> Bool {
        (a.offset, a.subject, a.encoding.rawValue) < (b.offset, b.subject, b.encoding.rawValue)
    }
}

private extension SecretCatalog {
    /// A table with one secret `V` holding `value` (any bytes).
    static func single(_ value: [UInt8]) throws -> SecretTable {
        let catalog = SecretCatalog(hashSeed: 42)
        try catalog.apply([.set(name: "V", value: try SecretValue(value))], generation: 1)
        return catalog.current
    }
}
