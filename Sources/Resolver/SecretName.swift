/// A secret's name: 1–128 of `[A-Za-z0-9_-]`, unique ASCII case-insensitively.
public enum SecretName {
    public static let maxLength = 128

    public static func isValid<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        (1...maxLength).contains(bytes.count) && bytes.allSatisfy(ASCII.isNameByte)
    }

    public static func isValid(_ name: String) -> Bool {
        isValid(name.utf8)
    }

    /// The explanation shown when a name is refused; it quotes nothing the user did not type
    /// as a name.
    public static let rule = "a secret name is 1 to 128 characters of A-Z, a-z, 0-9, '_' and '-'"

    /// The form used for uniqueness and lookups (lower case). Only valid names have one.
    public static func folded(_ name: String) -> String? {
        guard isValid(name) else { return nil }
        return String(decoding: name.utf8.map(ASCII.fold), as: UTF8.self)
            .replacingUnderscoreFold()
    }
}

extension String {
    /// `ASCII.fold` maps `_` to 0x7F for speed; a readable folded name keeps `_`.
    fileprivate func replacingUnderscoreFold() -> String {
        String(decoding: utf8.map { $0 == 0x7F ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }
}
