import ArgumentParser
import CPeer
import Foundation
import Resolver

@main
struct ResolverBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolver-bench",
        abstract: "Times Resolver renders (one-shot, compiled, all cores) against peers on the same template and secrets.",
        discussion: """
            Prints one line per figure, NAME VALUE. Before timing, every peer's output is checked \
            against the Resolver's; a peer that disagrees is reported on stderr and its figure printed as n/a.
            """)

    @Option(help: "The template file.")
    var template: String

    @Option(help: "A flat JSON object of secret name to value.")
    var secrets: String

    @Option(help: "Renders per timed run for the Resolver and the C peer (best of 5 runs is reported).")
    var iterations: Int = 200_000

    @Option(help: "Renders per timed run for the slower Swift peers (mustache, Foundation, Regex); default iterations / 10.")
    var peerIterations: Int?

    @Option(help: "The opening delimiter (default {{).")
    var open: String?

    @Option(help: "The closing delimiter (default }}).")
    var close: String?

    @Option(help: "Where the output goes: body, header (header value or URL) or raw-http (a raw HTTP/1.x request).")
    var placement: PlacementArgument = .body

    @Option(help: "Only these figures, by name, comma-separated (for profiling); default all.")
    var only: String?

    @Flag(help: "Print the rendered template once and exit (errors go to stderr, one per line, exit status 1).")
    var show = false

    enum PlacementArgument: String, ExpressibleByArgument, CaseIterable {
        case body, header, rawHTTP = "raw-http"
        var placement: Placement {
            switch self {
            case .body: .body
            case .header: .headerOrURL
            case .rawHTTP: .rawHTTPRequest
            }
        }
    }

    func validate() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        if let peerIterations, peerIterations <= 0 { throw ValidationError("--peer-iterations must be positive") }
        if (open == nil) != (close == nil) { throw ValidationError("give --open and --close together") }
    }

    func run() throws {
        let templateBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: template)))
        let secretMap = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: secrets)))
        let delimiters: Delimiters
        do {
            delimiters = if let open, let close { try Delimiters(open: open, close: close) } else { .braces }
        } catch {
            throw ValidationError("bad delimiters: \(error)")
        }
        let placement = placement.placement

        let catalog = SecretCatalog()
        do {
            try catalog.apply(try secretMap.map { .set(name: $0.key, value: try SecretValue(Array($0.value.utf8))) },
                              generation: 1)
        } catch {
            throw ValidationError("bad secrets file: \(error)")
        }
        let table = catalog.current

        // One render for --show and for the cross-check; any error ends the run here.
        let expected: [UInt8]
        let compiled: CompiledTemplate
        do {
            expected = try table.render(templateBytes, delimiters: delimiters, placement: placement).bytes
            compiled = try CompiledTemplate(templateBytes, table: table, delimiters: delimiters, placement: placement)
        } catch {
            for problem in error.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
            throw ExitCode(1)
        }
        if show {
            FileHandle.standardOutput.write(Data(expected))
            return
        }
        guard try compiled.render(with: table).bytes == expected else {
            FileHandle.standardError.write(Data("compiled and one-shot renders differ\n".utf8))
            throw ExitCode(1)
        }

        let wanted = only.map { Set($0.split(separator: ",").map(String.init)) }
        func wants(_ name: String) -> Bool { wanted?.contains(name) ?? true }

        func figure(_ name: String, _ value: Double?) {
            guard let value else { return print("\(name) n/a") }
            print(name, value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value))
            fflush(nil)
        }

        // The peers, each checked against the Resolver's bytes first.
        let text = String(decoding: templateBytes, as: UTF8.self)
        let peer = try PeerTemplate(text: text, secrets: secretMap,
                                    open: open ?? "{{", close: close ?? "}}")
        let peerIterations = self.peerIterations ?? max(iterations / 10, 100)

        func checked(_ name: String, _ output: [UInt8]?) -> Bool {
            if output == expected { return true }
            FileHandle.standardError.write(Data("\(name): output differs from the Resolver's; not timed\n".utf8))
            return false
        }

        // One-shot, compiled and the C peer are timed in turns (see Measure.nsPerCallInTurns), so
        // the ratios between them do not depend on when each was measured on a machine whose
        // speed wanders. The C peer runs before the Swift peers fill the heap with garbage, so its
        // malloc sees the same heap as the Resolver's.
        let c = CPeerResolver(peer)
        let cTable = c.table
        let cSource = c.template
        var turns: [(name: String, body: () -> UInt8)] = []
        if wants("oneshot_ns_per_render") {
            turns.append(("oneshot_ns_per_render", {
                templateBytes.withUnsafeBytes { source in
                    guard let output = try? table.render(source, delimiters: delimiters, placement: placement) else { return 0 }
                    return output.middle
                }
            }))
        }
        if wants("compiled_ns_per_render") {
            turns.append(("compiled_ns_per_render", {
                guard let output = try? compiled.render(with: table) else { return 0 }
                return output.middle
            }))
        }
        let cChecked = wants("peer_c_ns_per_render") && checked("c", c.renderBytes())
        if cChecked {
            turns.append(("peer_c_ns_per_render", {
                cSource.withUnsafeBufferPointer { source in
                    var count = 0
                    guard let output = cpeer_render(cTable, source.baseAddress, source.count, &count) else { return 0 }
                    let byte = output[count &>> 1]
                    free(output)
                    return byte
                }
            }))
        }
        let times = Measure.nsPerCallInTurns(iterations: iterations, turns.map(\.body))
        for (turn, time) in zip(turns, times) { figure(turn.name, time) }
        if wants("peer_c_ns_per_render") && !cChecked { figure("peer_c_ns_per_render", nil) }

        if wants("compiled_renders_per_s_all_cores") {
            figure("compiled_renders_per_s_all_cores", Measure.callsPerSecondAllCores(iterations: iterations) {
                guard let output = try? compiled.render(with: table) else { return 0 }
                return output.middle
            }.perSecond)
        }

        if wants("peer_mustache_ns_per_render") {
            let mustache = try MustachePeer(peer)
            figure("peer_mustache_ns_per_render", checked("mustache", Array(mustache.render().utf8))
                ? Measure.nsPerCall(iterations: peerIterations) { mustache.render().middleByte } : nil)
        }

        if wants("peer_foundation_ns_per_render") {
            let foundation = FoundationPeer(peer: peer)
            figure("peer_foundation_ns_per_render", checked("foundation", Array(foundation.render().utf8))
                ? Measure.nsPerCall(iterations: peerIterations) { foundation.render().middleByte } : nil)
        }

        if wants("peer_regex_ns_per_render") {
            let regex = RegexPeer(peer: peer)
            figure("peer_regex_ns_per_render", checked("regex", Array(regex.render().utf8))
                ? Measure.nsPerCall(iterations: peerIterations) { regex.render().middleByte } : nil)
        }

        if sink == 0x5EC2E7 { print("") }       // keeps the sink observable
    }
}
