import CofferStore

/// Why a request to the node failed, in words fit for the client. Never carries a value.
public enum ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case tooLarge(String)
    case notFound(String)
    case conflict(String)
    /// The caller's token may not do this, whatever its role.
    case forbidden(String)
    case unavailable(String)

    public var description: String {
        switch self {
        case .invalid(let message), .tooLarge(let message), .notFound(let message), .conflict(let message),
             .forbidden(let message), .unavailable(let message):
            message
        }
    }

    init(_ rejection: Rejection) {
        switch rejection {
        case .invalidName, .duplicateInRotation, .alreadyBootstrapped, .invalidRequest: self = .invalid(rejection.description)
        case .nameTaken, .versionConflict, .notAwaitingApproval, .approvalExpired: self = .conflict(rejection.description)
        case .forbidden: self = .forbidden(rejection.description)
        case .notFound, .tokenNotFound: self = .notFound(rejection.description)
        }
    }
}
