import CofferStore
import Resolver

extension TemplateError {
    /// The problems a scoped token's render or check reports: a reference it may not use
    /// reads as out of scope, never as unknown, so the token cannot learn which names exist.
    func scoped(to token: TokenRecord) -> TemplateError {
        guard !token.scope.isEmpty else { return self }
        return TemplateError(problems: problems.map { problem in
            guard problem.kind == .unknownSecret, let name = problem.name, !token.allows(secret: name) else { return problem }
            return problem.outOfScope
        }, unreported: unreported)
    }

    /// Only the out-of-scope problems, if there are any: the render is refused for them alone.
    var outOfScopeOnly: TemplateError? {
        let outside = problems.filter { $0.kind == .outOfScope }
        return outside.isEmpty ? nil : TemplateError(problems: outside)
    }
}
