import ArgumentParser
import CofferClient
import Foundation
import NIOHTTP1

/// Runs a client call, turning failures into a message on stderr and exit status 1.
enum ClientRun {
    static func with<Result>(_ body: (CofferClient) async throws -> Result) async throws -> Result {
        let client: CofferClient
        do {
            client = try CofferClient(settings: try ClientSettings.fromEnvironment())
        } catch {
            Output.error("\(error)")
            throw ExitCode.failure
        }
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch let exit as ExitCode {
            await client.shutdown()
            throw exit
        } catch {
            await client.shutdown()
            Output.error("\(error)")
            throw ExitCode.failure
        }
    }

    /// The response if its status is one of `expected`; otherwise the server's message, exit 1.
    static func expect(_ response: ClientResponse, _ expected: Int...) throws -> ClientResponse {
        guard expected.contains(response.status) else {
            Output.error(response.errorMessage)
            throw ExitCode.failure
        }
        return response
    }

    static func object(_ response: ClientResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}

enum Output {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data("\(text)\n".utf8))
    }

    static func raw(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }

    static func table(_ rows: [[String]]) {
        guard let header = rows.first else { return }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            line(row.enumerated().map { $0.offset == row.count - 1 ? $0.element : $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }
}

/// Path segments are percent-encoded, though valid names and ids never need it.
func pathSegment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
}
