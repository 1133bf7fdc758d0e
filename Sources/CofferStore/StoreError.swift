/// Failures of the storage layer itself (not rejected commands).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case lmdb(String, code: Int32, message: String)
    case corrupt(String)
    case wrongMasterKey
    case io(String)

    public var description: String {
        switch self {
        case .lmdb(let operation, let code, let message): "\(operation): \(message) (\(code))"
        case .corrupt(let what): "stored data is corrupt: \(what)"
        case .wrongMasterKey: "the master key does not match this data directory (key check value differs)"
        case .io(let what): what
        }
    }
}
