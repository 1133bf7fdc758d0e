import Hummingbird
import NIOCore

/// `/console/`: the web console's static files. `/` leads there. The pages hold no data of
/// their own; they call the API with the bearer token the user signs in with.
struct ConsoleRoutes {
    let assets: ConsoleAssets

    func add(to router: Router<CofferRequestContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/console/"]) }
        router.get("/console/") { _, _ in try serve("index.html") }
        router.get("/console/{file}") { _, context in try serve(try context.parameters.require("file")) }
    }

    private func serve(_ name: String) throws -> Response {
        guard let asset = assets.files[name] else { throw APIError.notFound("no console file '\(name.prefix(64))'") }
        return Response(status: .ok, headers: [.contentType: asset.contentType],
                        body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
