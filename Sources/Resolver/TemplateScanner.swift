/// What the scanner found, handed to its visitor in source order.
protocol TemplateVisitor {
    /// Bytes `start..<end` of the source, copied as they are.
    mutating func literal(start: Int, end: Int)
    /// A well-formed Secrets reference.
    mutating func reference(_ reference: ScannedReference)
    mutating func problem(_ problem: ScannedProblem)
}

struct ScannedReference {
    /// Offset of the opening delimiter.
    var start: Int
    var nameStart: Int
    var nameEnd: Int
    var filters: FilterChain
    /// Offset just past the closing delimiter.
    var end: Int
}

struct ScannedProblem {
    var kind: TemplateProblem.Kind
    /// Offset of the opening delimiter of the reference at fault.
    var offset: Int
    var message: String
}

/// The one parser of the reference grammar:
/// `OPEN spaces? Secrets "." NAME (spaces? "|" spaces? FILTER)* spaces? CLOSE`.
/// Text in delimiters that does not start with the word `Secrets` passes through untouched.
struct TemplateScanner {
    let source: UnsafeRawBufferPointer
    let delimiters: Delimiters

    func scan<Visitor: TemplateVisitor>(into visitor: inout Visitor) {
        delimiters.open.withUnsafeBytes { open in
            delimiters.close.withUnsafeBytes { close in
                scan(open: open, close: close, into: &visitor)
            }
        }
    }

    private func scan<Visitor: TemplateVisitor>(
        open: UnsafeRawBufferPointer, close: UnsafeRawBufferPointer, into visitor: inout Visitor
    ) {
        var position = 0
        var literalStart = 0
        while let start = find(open, from: position) {
            if let (reference, end) = plainReference(at: start, open: open, close: close) {
                if literalStart < start { visitor.literal(start: literalStart, end: start) }
                visitor.reference(reference)
                position = end
                literalStart = end
                continue
            }
            switch reference(at: start, open: open, close: close) {
            case .notSecrets:
                position = start + 1
            case .reference(let reference, let end):
                if literalStart < start { visitor.literal(start: literalStart, end: start) }
                visitor.reference(reference)
                position = end
                literalStart = end
            case .problem(let problem, let resume):
                visitor.problem(problem)
                position = resume
                literalStart = resume
            }
        }
        if literalStart < source.count { visitor.literal(start: literalStart, end: source.count) }
    }

    private enum Outcome {
        case notSecrets
        case reference(ScannedReference, end: Int)
        /// `resume` is where scanning goes on, so a later reference is still checked.
        case problem(ScannedProblem, resume: Int)
    }

    @inline(__always)
    private func plainReference(
        at start: Int, open: UnsafeRawBufferPointer, close: UnsafeRawBufferPointer
    ) -> (ScannedReference, end: Int)? {
        guard let plain = PlainReference.read(in: source, afterOpen: start + open.count, close: close) else { return nil }
        return (ScannedReference(start: start, nameStart: plain.nameStart, nameEnd: plain.nameEnd, filters: FilterChain(),
                                 end: plain.end),
                plain.end)
    }

    private func reference(at start: Int, open: UnsafeRawBufferPointer, close: UnsafeRawBufferPointer) -> Outcome {
        let wordStart = skipSpaces(from: start + open.count)
        var cursor = ASCII.wordRunEnd(in: source, from: wordStart)
        guard PlainReference.isSecretsWord(in: source, wordStart..<cursor) else { return .notSecrets }

        func fail(_ message: String, at resume: Int) -> Outcome {
            if resume >= source.count || source[resume] == ASCII.lf || source[resume] == ASCII.cr {
                let closeText = String(decoding: close, as: UTF8.self)
                let place = resume >= source.count ? "the end of the template" : "the end of the line"
                return .problem(
                    ScannedProblem(kind: .unterminatedReference, offset: start,
                                   message: "unterminated secret reference: no '\(closeText)' before \(place)"),
                    resume: max(resume, start + 1))
            }
            return .problem(ScannedProblem(kind: .malformedReference, offset: start,
                                           message: "malformed secret reference: \(message)"),
                            resume: max(resume, start + 1))
        }

        guard cursor < source.count, source[cursor] == UInt8(ascii: ".") else {
            return fail("expected '.' and a name after 'Secrets'", at: cursor)
        }
        cursor += 1
        let nameStart = cursor
        while cursor < source.count, ASCII.isNameByte(source[cursor]) { cursor += 1 }
        let nameEnd = cursor
        if nameStart == nameEnd {
            return fail("missing secret name after 'Secrets.'; \(SecretName.rule)", at: cursor)
        }
        if nameEnd - nameStart > SecretName.maxLength {
            return fail("secret name longer than \(SecretName.maxLength) characters", at: cursor)
        }

        var filters = FilterChain()
        while true {
            cursor = skipSpaces(from: cursor)
            if matches(close, at: cursor) {
                let end = cursor + close.count
                let reference = ScannedReference(start: start, nameStart: nameStart, nameEnd: nameEnd, filters: filters, end: end)
                return .reference(reference, end: end)
            }
            guard cursor < source.count else { return fail("", at: cursor) }
            guard source[cursor] == UInt8(ascii: "|") else {
                return fail("unexpected \(describe(source[cursor])) after the name; \(SecretName.rule)", at: cursor)
            }
            cursor = skipSpaces(from: cursor + 1)
            let filterStart = cursor
            while cursor < source.count, ASCII.isWordByte(source[cursor]) { cursor += 1 }
            let word = UnsafeRawBufferPointer(rebasing: source[filterStart..<cursor])
            guard let filter = Filter.named(word) else {
                let known = Filter.allCases.map(\.name).joined(separator: ", ")
                let shown = word.isEmpty ? "missing filter name" : "unknown filter '\(String(decoding: word.prefix(32), as: UTF8.self))'"
                return fail("\(shown) (known filters: \(known))", at: word.isEmpty ? cursor : filterStart)
            }
            guard filters.count < FilterChain.maxCount else {
                return fail("more than \(FilterChain.maxCount) filters", at: cursor)
            }
            filters.append(filter)
        }
    }

    /// The first occurrence of `needle` at or after `from`, found with memchr on its first byte.
    @inline(__always)
    private func find(_ needle: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = source.baseAddress else { return nil }
        let first = Int32(needle[0])
        var position = from
        while position + needle.count <= source.count {
            guard let hit = memchr(base + position, first, source.count - needle.count + 1 - position) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(hit))
            if matches(needle, at: offset) { return offset }
            position = offset + 1
        }
        return nil
    }

    @inline(__always)
    private func matches(_ needle: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        ASCII.matches(needle, in: source, at: offset)
    }

    @inline(__always)
    private func skipSpaces(from start: Int) -> Int {
        ASCII.spacesEnd(in: source, from: start)
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte == 0x20 || byte == 0x09 { return "space" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
