import Hummingbird
import NIOCore

/// A request's context: Hummingbird's, with the client's address, which a token bound to
/// networks is checked against.
struct CofferRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's address as text, without the port.
    var clientAddress: String? { remoteAddress?.ipAddress }
}
