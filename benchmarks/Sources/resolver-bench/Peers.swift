import CPeer
import Foundation
import Mustache

/// A template's Secrets references as the peers see them: they know no filters and no header
/// guard, so the fixture they are compared on has neither.
struct PeerTemplate {
    /// The template as text, references as written.
    let text: String
    /// Secret values by case-folded name: what every peer looks a name up in per render.
    let byFolded: [String: String]
    /// The secrets under the names as given (mustache and the C table get these).
    let secrets: [String: String]
    /// The regular expression that finds a reference; group 1 is the name.
    let regex: Regex<(Substring, Substring)>
    /// Each distinct reference as written, with its case-folded name.
    let tokens: [(text: String, folded: String)]
    /// For each reference, the secret's name as given in the secrets file (nil when unknown).
    let canonical: [String: String]

    init(text: String, secrets: [String: String], open: String, close: String) throws {
        self.text = text
        self.secrets = secrets
        var byFolded: [String: String] = [:]
        var canonical: [String: String] = [:]
        for (name, value) in secrets {
            byFolded[name.lowercased()] = value
            canonical[name.lowercased()] = name
        }
        self.byFolded = byFolded
        self.canonical = canonical
        let pattern = NSRegularExpression.escapedPattern(for: open)
            + #"[ \t]*[Ss][Ee][Cc][Rr][Ee][Tt][Ss]\.([A-Za-z0-9_-]{1,128})[ \t]*"#
            + NSRegularExpression.escapedPattern(for: close)
        regex = try Regex(pattern, as: (Substring, Substring).self)
        var seen = Set<String>()
        var tokens: [(String, String)] = []
        for match in text.matches(of: regex) where seen.insert(String(match.output.0)).inserted {
            tokens.append((String(match.output.0), match.output.1.lowercased()))
        }
        self.tokens = tokens
    }

    /// The template with each reference replaced by `replacement(canonical name)`, the rest
    /// kept as it is.
    func translated(_ replacement: (String) -> String) -> String {
        text.replacing(regex) { match in
            replacement(canonical[match.output.1.lowercased()] ?? String(match.output.1))
        }
    }
}

/// swift-mustache: references become triple-mustache (unescaped) variables, rendered
/// against a dictionary of all the secrets. The template is parsed once, outside the timing.
struct MustachePeer {
    let template: MustacheTemplate
    let context: [String: String]

    init(_ peer: PeerTemplate) throws {
        template = try MustacheTemplate(string: peer.translated { "{{{\($0)}}}" })
        context = peer.secrets
    }

    @inline(__always)
    func render() -> String { template.render(context) }
}

/// Foundation: one `replacingOccurrences` per distinct reference, the value looked up by
/// case-folded name on every render.
struct FoundationPeer {
    let peer: PeerTemplate

    @inline(__always)
    func render() -> String {
        var text = peer.text
        for token in peer.tokens {
            text = text.replacingOccurrences(of: token.text, with: peer.byFolded[token.folded] ?? "")
        }
        return text
    }
}

/// Swift `Regex`: one `replacing` pass, each match looked up by case-folded name.
struct RegexPeer {
    let peer: PeerTemplate

    @inline(__always)
    func render() -> String {
        peer.text.replacing(peer.regex) { match in peer.byFolded[match.output.1.lowercased()] ?? "" }
    }
}

/// The hand-written C resolver (Sources/CPeer), over a table of all the secrets. It knows
/// `{{ }}` only, so it gets the template with references rewritten to that form.
final class CPeerResolver {
    let table: OpaquePointer
    let template: [UInt8]

    init(_ peer: PeerTemplate) {
        let table = cpeer_table_new(peer.secrets.count)!
        for (name, value) in peer.secrets {
            var name = name, value = value
            name.withUTF8 { n in
                value.withUTF8 { v in
                    _ = cpeer_table_put(table, n.baseAddress, n.count, v.baseAddress, v.count)
                }
            }
        }
        self.table = table
        template = Array(peer.translated { "{{Secrets.\($0)}}" }.utf8)
    }

    deinit { cpeer_table_free(table) }

    /// The output bytes, for the correctness check.
    func renderBytes() -> [UInt8]? {
        template.withUnsafeBufferPointer { bytes in
            var count = 0
            guard let output = cpeer_render(table, bytes.baseAddress, bytes.count, &count) else { return nil }
            defer { free(output) }
            return Array(UnsafeBufferPointer(start: output, count: count))
        }
    }
}

extension String {
    /// The byte a measured render hands to the sink.
    @inline(__always)
    var middleByte: UInt8 {
        var copy = self
        return copy.withUTF8 { $0.isEmpty ? 0 : $0[$0.count &>> 1] }
    }
}
