import AsyncHTTPClient
import CofferCrypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Where the client finds a cluster and how it proves who it is; read from
/// `COFFER_ADDR`, `COFFER_CACERT`, and `COFFER_TOKEN` or `COFFER_TOKEN_FILE`.
public struct ClientSettings: Sendable {
    public var addresses: [String]
    public var caFile: String?
    public var token: String?

    public init(addresses: [String], caFile: String?, token: String?) {
        self.addresses = addresses
        self.caFile = caFile
        self.token = token
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClientSettings {
        let addresses = (environment["COFFER_ADDR"] ?? "https://127.0.0.1:8201")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        // A bearer token must never travel in plain text, so nothing but https:// is used.
        if let plain = addresses.first(where: { !$0.lowercased().hasPrefix("https://") }) {
            throw ClientError.setup("COFFER_ADDR must list https:// addresses only; refusing '\(plain)'")
        }
        var token = environment["COFFER_TOKEN"]
        if token == nil, let file = environment["COFFER_TOKEN_FILE"] {
            do {
                let bytes = try PrivateFile.read(file, what: "COFFER_TOKEN_FILE", maxCount: 4096)
                token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ClientError.setup(error.description)
            }
        }
        return ClientSettings(addresses: addresses, caFile: environment["COFFER_CACERT"], token: token)
    }
}

public struct ClientResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The `message` of an error answer, or the body as text.
    public var errorMessage: String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
           let error = object["error"] as? [String: Any], let message = error["message"] as? String {
            return message
        }
        return text.isEmpty ? "HTTP \(status)" : text
    }
}

public enum ClientError: Error, CustomStringConvertible {
    case setup(String)
    case unreachable([String])

    public var description: String {
        switch self {
        case .setup(let message): message
        case .unreachable(let attempts): "no Coffer node answered: \(attempts.joined(separator: "; "))"
        }
    }
}

/// An HTTPS client for the Coffer API that tries each configured address in turn until one
/// answers.
public final class CofferClient: Sendable {
    public let settings: ClientSettings
    private let http: HTTPClient

    public init(settings: ClientSettings) throws {
        self.settings = settings
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw ClientError.setup("cannot read the CA certificate COFFER_CACERT=\(caFile)")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // A rotation may wait up to 60 s for every member to apply before it answers.
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(75))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends one request; connection failures move on to the next address.
    public func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String = "application/json"
    ) async throws -> ClientResponse {
        try await send(method, path, contentType: contentType, body: body.map { body in { .bytes(ByteBuffer(bytes: body)) } })
    }

    /// Sends the file at `path` as the body, read in pieces as it goes (never whole in memory)
    /// up to its end when read, so a log still growing or a pipe works too (chunked, the
    /// length unknown); each address tried reads the file afresh.
    public func send(_ method: HTTPMethod, _ path: String, file: String, contentType: String) async throws -> ClientResponse {
        guard FileHandle(forReadingAtPath: file) != nil else { throw ClientError.setup("cannot read '\(file)'") }
        return try await send(method, path, contentType: contentType) {
            guard let handle = FileHandle(forReadingAtPath: file) else { throw ClientError.setup("cannot read '\(file)'") }
            return .stream(FilePieces(handle: handle), length: .unknown)
        }
    }

    private func send(
        _ method: HTTPMethod, _ path: String, contentType: String, body: (() throws -> HTTPClientRequest.Body)?
    ) async throws -> ClientResponse {
        var failures: [String] = []
        for address in settings.addresses {
            var request = HTTPClientRequest(url: address + path)
            request.method = method
            if let token = settings.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let body {
                request.headers.add(name: "Content-Type", value: contentType)
                request.body = try body()
            }
            do {
                let response = try await http.execute(request, timeout: .seconds(75))
                let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
                return ClientResponse(status: Int(response.status.code), headers: response.headers,
                                      body: Array(buffer: bytes))
            } catch {
                // Only a request that surely never reached a node moves on: a write that may
                // have been delivered must not be sent twice.
                if Self.mayHaveBeenDelivered(error) { throw error }
                failures.append("\(address) (\(error))")
            }
        }
        throw ClientError.unreachable(failures)
    }

    public func json(_ method: HTTPMethod, _ path: String, _ object: [String: Any]) async throws -> ClientResponse {
        try await send(method, path, body: Array(try JSONSerialization.data(withJSONObject: object)))
    }

    private static func mayHaveBeenDelivered(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return error == .readTimeout || error == .remoteConnectionClosed || error == .deadlineExceeded
    }
}

/// A file's bytes in pieces of 1 MiB, for a request body.
struct FilePieces: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let handle: FileHandle

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle

        mutating func next() async throws -> ByteBuffer? {
            guard let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(bytes: piece)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}
