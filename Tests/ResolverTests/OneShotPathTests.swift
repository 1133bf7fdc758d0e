import Testing
import Resolver

/// One-shot rendering takes a one-pass path for plain references and hands anything it cannot
/// decide alone to slower paths; whichever path renders, the output is the same.
@Suite("One-shot render paths")
struct OneShotPathTests {
    /// Values are copied by size class (8 to 15 bytes, 16 to 32, the rest by memcpy): every
    /// length from 1 to 70 lands whole and exactly where the reference stood, between literals
    /// that stay intact, on both paths.
    @Test func valuesOfEveryShortLengthLandWhole() throws {
        let lengths = Array(1...70)
        let values = lengths.map { length in String((0..<length).map { Character(UnicodeScalar(UInt8(65 + ($0 * 7 + length) % 26))) }) }
        let named = try catalogOf(zip(lengths.map { "Len\($0)" }, values))
        for (length, value) in zip(lengths, values) {
            let output = try named.current.renderBoth("<{{Secrets.Len\(length)}}>{{Secrets.Len\(length)}}")
            #expect(output == "<\(value)>\(value)", "length \(length)")
        }
    }

    /// A template with nothing to write renders to no bytes, on both paths.
    @Test func anEmptyTemplateRendersToNothing() throws {
        let table = try catalog(["A": "a"]).current
        let output = try table.render([UInt8]())
        #expect(output.isEmpty && output.count == 0 && output.bytes == [])
        #expect(try table.renderBoth("") == "")
    }

    /// The one-pass render reserves the template's size plus a little room; values far longer
    /// than their references outgrow it, and the render is still whole and exact.
    @Test func valuesLongerThanTheReservedRoomRenderWhole() throws {
        let long = String(repeating: "L", count: SecretValue.maxCount)
        let table = try catalog(["Big": long, "small": "s"]).current
        let output = try table.renderBoth("a{{Secrets.small}}b{{Secrets.Big}}c{{secrets.big}}d")
        #expect(output == "asb" + long + "c" + long + "d")
    }

    /// A value that breaks a header line renders in a raw request's body but not in its head,
    /// whichever path finds out.
    @Test func theHeaderGuardIsDecidedWhereTheValueLands() throws {
        let table = try catalog(["Multi": "one\r\ntwo", "Plain": "p"]).current
        let request = "GET /{{Secrets.Plain}} HTTP/1.1\r\nX: {{Secrets.Plain}}\r\n\r\nbody {{Secrets.Multi}}"
        #expect(try table.renderBoth(request, placement: .rawHTTPRequest)
                == "GET /p HTTP/1.1\r\nX: p\r\n\r\nbody one\r\ntwo")
        let kinds = table.problems("X: {{Secrets.Multi}}\r\n\r\n", placement: .rawHTTPRequest).map(\.kind)
        #expect(kinds == [.unsafeInHeader])
    }

    /// A render that gives up after writing values (an unknown name further on) reports the
    /// problem and returns nothing at all.
    @Test func aLaterUnknownNameFailsTheWholeRender() throws {
        let table = try catalog(["Known": "value-of-known"]).current
        #expect(throws: TemplateError.self) { _ = try table.render(Array("{{Secrets.Known}} {{Secrets.Unknown}}".utf8)) }
        #expect(table.problems("{{Secrets.Known}} {{Secrets.Unknown}}").map(\.kind) == [.unknownSecret])
    }

    /// Names of 8, 16, 17 and 24 bytes sit at the edges of the name index's loop-free lookup;
    /// each resolves in any case, and one byte off does not.
    @Test func namesAtTheEdgesOfTheQuickLookupResolve() throws {
        let names = ["Password", "Sixteen_Bytes-Ok", "Seventeen_Bytes-O", "Twenty_Four_Bytes_Name-X"]
        let table = try catalog(["Password": "8", "Sixteen_Bytes-Ok": "16", "Seventeen_Bytes-O": "17",
                                 "Twenty_Four_Bytes_Name-X": "24"]).current
        for name in names {
            #expect(try table.renderBoth("{{Secrets.\(name.uppercased())}}") == "\(name.utf8.count)")
            var wrong = Array(name.utf8)
            wrong[wrong.count / 2] = UInt8(ascii: "Z") == wrong[wrong.count / 2] ? UInt8(ascii: "Y") : UInt8(ascii: "Z")
            #expect(table.problems("{{Secrets.\(String(decoding: wrong, as: UTF8.self))}}").map(\.kind) == [.unknownSecret])
        }
    }
}
