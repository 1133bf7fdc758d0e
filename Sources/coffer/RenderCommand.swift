import ArgumentParser
import CofferClient
import Foundation

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Render a template (from FILE or stdin) to stdout.")

    @Argument(help: "The template file; stdin when omitted.")
    var file: String?

    @Option(help: "Where the output goes: body, header, url or http (a raw HTTP/1.x request).")
    var placement = "body"

    @Option(help: "Opening delimiter (default {{).") var open: String?
    @Option(help: "Closing delimiter (default }}).") var close: String?

    @Flag(help: "Print the secret table generation the render used, on stderr.")
    var showGeneration = false

    @Option(help: "local (the answering node's applied state) or linearizable (a ReadIndex round first).")
    var consistency = "local"

    func run() async throws {
        let template: [UInt8]
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            template = Array(data)
        } else {
            template = Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        var query = ["placement=\(placement)", "consistency=\(consistency)"]
        if let open { query.append("open=\(open.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? open)") }
        if let close { query.append("close=\(close.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? close)") }
        try await ClientRun.with { client in
            let response = try await client.send(.POST, "/v1/render?" + query.joined(separator: "&"), body: template,
                                                 contentType: "text/plain")
            if response.status == 422 {
                let errors = ClientRun.object(response)["errors"] as? [[String: Any]] ?? []
                for error in errors {
                    Output.note("\(file ?? "<stdin>"):\(error["line"] ?? 0):\(error["column"] ?? 0): \(error["message"] ?? "")")
                }
                throw ExitCode.failure
            }
            let rendered = try ClientRun.expect(response, 200)
            Output.raw(rendered.body)
            if showGeneration, let generation = rendered.headers.first(name: "Coffer-Generation") {
                Output.note("generation \(generation)")
            }
        }
    }
}
