import Testing
import Resolver

/// The name scanner reads eight bytes at a time and the name index hashes and compares names
/// with overlapping word reads; these check both against the grammar byte by byte, at every
/// byte value, lane position and name length.
@Suite("Name scanning and lookup")
struct NameScanTests {
    static func isNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// `{{Secrets.` + p bytes `a` + X + `bbbb…` + `}}`: a name byte X extends the name (an unknown
    /// secret); any other byte ends it where the grammar then finds a malformed reference.
    @Test func everyByteAtEveryLanePositionEndsTheNameExactlyWhenItIsNotANameByte() throws {
        let table = try catalog(["a": "1"]).current
        for byte in UInt8.min...UInt8.max {
            for position in 0..<18 {
                let name = Array(repeating: UInt8(ascii: "a"), count: position) + [byte]
                    + Array(repeating: UInt8(ascii: "b"), count: 18 - position)
                let template = Array("{{Secrets.".utf8) + name + Array("}}".utf8)
                let kinds = table.problems(String(decoding: template, as: UTF8.self)).map(\.kind)
                if Self.isNameByte(byte) {
                    #expect(kinds == [.unknownSecret], "byte \(byte) at \(position)")
                } else if byte < 0x80 {
                    #expect(!kinds.isEmpty && !kinds.contains(.unknownSecret), "byte \(byte) at \(position): \(kinds)")
                }
            }
        }
    }

    /// Bytes that are not valid UTF-8 go through the same scanner; checked on raw bytes.
    @Test func nonASCIIBytesEndANameInBothPaths() throws {
        let table = try catalog(["a": "1"]).current
        for byte in UInt8(0x80)...UInt8.max {
            for position in [0, 3, 7, 8, 9, 15] {
                let template = Array("{{Secrets.".utf8) + Array(repeating: UInt8(ascii: "a"), count: position) + [byte]
                    + Array("bbbbbbbbbb}}".utf8)
                var oneShot: [TemplateProblem] = []
                var compiled: [TemplateProblem] = []
                do { _ = try table.render(template) } catch { oneShot = error.problems }
                do { _ = try CompiledTemplate(template, table: table).render(with: table) } catch { compiled = error.problems }
                #expect(oneShot == compiled)
                #expect(!oneShot.isEmpty && !oneShot.map(\.kind).contains(.unknownSecret), "byte \(byte) at \(position)")
            }
        }
    }

    /// Names of every length resolve in any case; a name that differs in one byte, at any
    /// position, or by length, does not.
    @Test func namesOfEveryLengthResolveAndNearMissesDoNot() throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789_-".utf8)
        let lengths = Array(1...40) + [63, 64, 65, 127, 128]
        var secrets: [(String, String)] = []
        for length in lengths {
            let name = (0..<length).map { alphabet[($0 * 7 + length) % alphabet.count] }
            secrets.append((String(decoding: name, as: UTF8.self), "v\(length)"))
        }
        let catalog = SecretCatalog(hashSeed: 99)
        try catalog.apply(secrets.map { .set(name: $0.0, value: try SecretValue(Array($0.1.utf8))) }, generation: 1)
        let table = catalog.current
        for (name, value) in secrets {
            let upper = name.uppercased()
            #expect(try table.renderBoth("{{Secrets.\(upper)}}|{{ secrets.\(name) }}") == "\(value)|\(value)")
            var bytes = Array(name.utf8)
            for position in bytes.indices {
                let original = bytes[position]
                bytes[position] = original == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
                let nearMiss = String(decoding: bytes, as: UTF8.self)
                if !secrets.contains(where: { $0.0 == nearMiss }) {
                    #expect(table.problems("{{Secrets.\(nearMiss)}}").map(\.kind) == [.unknownSecret], "\(nearMiss)")
                }
                bytes[position] = original
            }
            if name.count < 128 {
                #expect(table.problems("{{Secrets.\(name)z}}").map(\.kind) == [.unknownSecret])
            }
        }
    }

    /// The head of a raw HTTP request ends at its first empty line, with or without CR.
    @Test func rawRequestHeadEndsAtTheFirstEmptyLine() throws {
        let table = try catalog(["nl": "a\nb"]).current
        for head in ["GET / HTTP/1.1\r\nX: 1\r\n\r\n", "GET / HTTP/1.1\nX: 1\n\n", "GET / HTTP/1.1\r\nX: 1\n\r\n"] {
            #expect(table.problems(head.replacingOccurrences(of: "X: 1", with: "X: {{Secrets.nl}}"), placement: .rawHTTPRequest)
                .map(\.kind) == [.unsafeInHeader])
            #expect(try table.renderBoth(head + "{{Secrets.nl}}", placement: .rawHTTPRequest) == head + "a\nb")
        }
        #expect(table.problems("GET / HTTP/1.1\r\n{{Secrets.nl}}", placement: .rawHTTPRequest).map(\.kind) == [.unsafeInHeader])
    }
}

import Foundation
