import ArgumentParser
import Foundation
import Raft
import Resolver

/// The scanner alone against `rg -F -f` and `grep -F -f`: `generate` writes the text and
/// the patterns (every kept value in each encoding, once) from a seed; `scan` rebuilds the
/// same values from the seed, scans the text file in 1 MiB pieces, and prints MB/s.
@main
struct ScanBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-bench", abstract: "Times ValueScanner over a generated text.",
        subcommands: [Generate.self, Scan.self])

    struct Options: ParsableArguments {
        @Option(help: "Where the text and patterns go.") var dir: String
        @Option(help: "Secrets.") var secrets = 5_000
        @Option(help: "Kept versions per secret.") var versions = 3
        @Option(help: "Seed of every value and of the text.") var seed: UInt64 = 1
    }

    struct Generate: ParsableCommand {
        @OptionGroup var options: Options
        @Option(help: "MiB of text.") var mebibytes = 100
        @Option(help: "Occurrences to plant, spread over the text.") var planted = 1_000

        func run() throws {
            var random = SplitMix64(seed: options.seed)
            let values = BenchValues.make(secrets: options.secrets, versions: options.versions, random: &random)
            let forms = try BenchValues.forms(of: values)
            // One pattern a line, each distinct string once (rg and grep read them so).
            var seen = Set<[UInt8]>()
            var patterns: [UInt8] = []
            for form in forms where seen.insert(form).inserted { patterns += form + [0x0A] }
            try Data(patterns).write(to: URL(fileURLWithPath: options.dir + "/patterns.txt"))

            let size = mebibytes << 20
            var text: [UInt8] = []
            text.reserveCapacity(size + 4_096)
            let every = max(size / max(planted, 1), 1)
            var nextPlant = every / 2
            while text.count < size {
                if text.count >= nextPlant {
                    text += Array("token=".utf8) + forms[Int(random.next() % UInt64(forms.count))] + [0x0A]
                    nextPlant += every
                }
                LogLines.append(to: &text, random: &random)
            }
            try Data(text).write(to: URL(fileURLWithPath: options.dir + "/text.log"))
            print("generated \(text.count) bytes, \(seen.count) patterns from \(values.count) values")
        }
    }

    struct Scan: ParsableCommand {
        @OptionGroup var options: Options
        @Option(help: "Timed scans; the best is reported.") var runs = 3
        @Flag(help: "Print each finding's byte offset, subject and encoding (to compare with rg -o -b).") var list = false

        func run() throws {
            var random = SplitMix64(seed: options.seed)
            let values = BenchValues.make(secrets: options.secrets, versions: options.versions, random: &random)
            let built = ContinuousClock.now
            let scanner = ValueScanner(try values.enumerated().map { index, value in
                (ScanSubject(name: "S\(index / options.versions)", version: UInt64(index % options.versions + 1), state: .previous),
                 try SecretValue(value))
            })
            let buildTime = ContinuousClock.now - built
            let path = options.dir + "/text.log"
            var best = Duration.seconds(1_000_000)
            var result: ScanStream.Result?
            for _ in 0..<runs {
                guard let file = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
                let start = ContinuousClock.now
                let stream = scanner.makeStream(maximumFindings: 1_000_000)
                while let piece = try file.read(upToCount: 1 << 20), !piece.isEmpty {
                    piece.withUnsafeBytes { stream.feed($0) }
                }
                result = stream.finish()
                best = min(best, ContinuousClock.now - start)
                try file.close()
            }
            let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
            let build = Double(buildTime.components.seconds) + Double(buildTime.components.attoseconds) / 1e18
            if list {
                for finding in result!.findings {
                    print("\(finding.offset) \(scanner.subjects[finding.subject].name) \(finding.encoding.rawValue) \(finding.length)")
                }
            }
            print("scanner_mb_per_s \(String(format: "%.0f", Double(result!.bytes) / 1e6 / seconds))")
            print("scanner_findings \(result!.total)")
            print("scanner_build_ms \(String(format: "%.0f", build * 1_000))")
        }
    }
}

/// Values like real credentials: tokens, hex keys, passwords with punctuation; 12 to 64 bytes.
enum BenchValues {
    static func make(secrets: Int, versions: Int, random: inout SplitMix64) -> [[UInt8]] {
        let token = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".utf8)
        let hex = Array("0123456789abcdef".utf8)
        let password = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()/+=\"\\ ".utf8)
        var values: [[UInt8]] = []
        for _ in 0..<(secrets * versions) {
            let kind = random.next() % 3
            let alphabet = kind == 0 ? token : kind == 1 ? hex : password
            let length = kind == 1 ? 32 + Int(random.next() % 2) * 32 : 12 + Int(random.next() % 53)
            values.append((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
        return values
    }

    /// Each value as is and as each filter writes it, rendered by the Resolver itself.
    static func forms(of values: [[UInt8]]) throws -> [[UInt8]] {
        let catalog = SecretCatalog(hashSeed: 1)
        try catalog.apply(values.enumerated().map { .set(name: "V\($0.offset)", value: try SecretValue($0.element)) }, generation: 1)
        var forms: [[UInt8]] = []
        for index in values.indices {
            forms.append(values[index])
            for filter in ["json", "url", "base64"] {
                let rendered = try catalog.current.render(Array("{{Secrets.V\(index)|\(filter)}}".utf8),
                                                          delimiters: .braces, placement: .body).bytes
                if rendered != values[index] { forms.append(rendered) }
            }
        }
        return forms
    }
}

/// Text like a service's log: timestamps, levels, paths, ids, JSON fragments.
enum LogLines {
    static let words = ["GET", "POST", "request", "completed", "user", "session", "started", "cache", "miss", "hit",
                        "upstream", "timeout", "retrying", "connection", "closed", "handler", "status", "latency_ms",
                        "/v1/orders", "/api/users", "/healthz", "payment", "invoice", "token", "refresh", "error",
                        "warning", "database", "query", "rows", "bytes", "sent", "received", "client", "server"]
    static let levels = ["INFO", "DEBUG", "WARN", "ERROR"]
    static let hex = Array("0123456789abcdef".utf8)

    static func append(to text: inout [UInt8], random: inout SplitMix64) {
        let second = random.next() % 86_400
        text += Array("2026-12-07T\(pad(second / 3600)):\(pad(second / 60 % 60)):\(pad(second % 60)).\(random.next() % 1000)Z ".utf8)
        text += Array(levels[Int(random.next() % 4)].utf8) + [0x20]
        text += Array("req=".utf8) + (0..<16).map { _ in hex[Int(random.next() % 16)] } + [0x20]
        for _ in 0..<(4 + random.next() % 10) { text += Array(words[Int(random.next() % UInt64(words.count))].utf8) + [0x20] }
        if random.next() % 4 == 0 { text += Array("{\"user_id\": \(random.next() % 100_000), \"ok\": true}".utf8) }
        text.append(0x0A)
    }

    private static func pad(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
