import CofferStore
import Foundation
import Hummingbird
import NIOCore

/// Request bodies: bounded, then decoded strictly, with a clear 400 that quotes no content.
enum JSONBody {
    static let maxBytes = 1024 * 1024

    static func collect(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(maxBytes)
        }
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from request: Request) async throws -> Value {
        let buffer = try await collect(request)
        do {
            return try JSONDecoder.shared.decode(type, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw APIError.badRequest(describe(error), code: "malformed_json")
        } catch {
            throw APIError.badRequest("the request body is not valid JSON", code: "malformed_json")
        }
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let body = try JSONEncoder.sorted.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Names the field at fault, never the content found there.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "the body" : "'\(path)'"
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)) must be \(describe(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) must be \(describe(type))"
        case .keyNotFound(let key, _): return "the field '\(key.stringValue)' is required"
        case .dataCorrupted(let context) where context.codingPath.isEmpty: return "the request body is not valid JSON"
        case .dataCorrupted(let context): return "\(path(context)) is not valid"
        @unknown default: return "the request body is not valid JSON"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type: "a number"
        case is Bool.Type: "true or false"
        default: "an object of the documented form"
        }
    }
}
