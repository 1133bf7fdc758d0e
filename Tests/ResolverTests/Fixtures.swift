import Resolver

/// A catalog holding `secrets` (name to UTF-8 value) as generation 1.
func catalog(_ secrets: KeyValuePairs<String, String>) throws -> SecretCatalog {
    try catalogOf(secrets.map { ($0.key, $0.value) })
}

/// A catalog holding the given secrets (name to UTF-8 value) as generation 1.
func catalogOf(_ secrets: some Sequence<(String, String)>) throws -> SecretCatalog {
    let catalog = SecretCatalog(hashSeed: 42)
    try catalog.apply(secrets.map { .set(name: $0.0, value: try SecretValue(Array($0.1.utf8))) }, generation: 1)
    return catalog
}

extension SecretTable {
    /// Renders one-shot and compiled, insists both agree, and returns the text.
    func renderBoth(_ template: String, delimiters: Delimiters = .braces, placement: Placement = .body) throws -> String {
        let oneShot = try render(Array(template.utf8), delimiters: delimiters, placement: placement)
        let compiled = try CompiledTemplate(Array(template.utf8), table: self, delimiters: delimiters, placement: placement)
            .render(with: self)
        precondition(oneShot.bytes == compiled.bytes && oneShot.generation == compiled.generation,
                     "one-shot and compiled renders differ")
        return String(decoding: oneShot.bytes, as: UTF8.self)
    }

    /// The problems both paths report; they must be the same.
    func problems(_ template: String, delimiters: Delimiters = .braces, placement: Placement = .body) -> [TemplateProblem] {
        var oneShot: [TemplateProblem] = []
        var compiled: [TemplateProblem] = []
        do {
            _ = try render(Array(template.utf8), delimiters: delimiters, placement: placement)
        } catch { oneShot = error.problems }
        do {
            _ = try CompiledTemplate(Array(template.utf8), table: self, delimiters: delimiters, placement: placement)
                .render(with: self)
        } catch { compiled = error.problems }
        precondition(oneShot == compiled, "one-shot and compiled renders report different problems")
        return oneShot
    }
}
