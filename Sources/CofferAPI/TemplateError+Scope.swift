import CofferNode
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

    /// A render's problems as its caller sees them: out of scope first (see `scoped`), then a
    /// secret the render's table left out because it may not go to `destination`.
    func forRender(by token: TokenRecord, to destination: Destination?, node: Node) -> TemplateError {
        let scoped = scoped(to: token)
        return TemplateError(problems: scoped.problems.map { problem in
            guard problem.kind == .unknownSecret, let name = problem.name, !node.mayRender(name, to: destination) else { return problem }
            return problem.notAllowed(to: destination?.description)
        }, unreported: scoped.unreported)
    }

    /// Only the out-of-scope problems, if there are any: the render is refused for them alone.
    var outOfScopeOnly: TemplateError? {
        let outside = problems.filter { $0.kind == .outOfScope }
        return outside.isEmpty ? nil : TemplateError(problems: outside)
    }
}
