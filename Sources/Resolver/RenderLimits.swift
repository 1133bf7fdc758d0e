/// What one template may ask of a node, decided before anything is allocated: a render whose
/// output would pass `maxOutputBytes`, or a template with more than `maxReferences` Secrets
/// references, renders nothing and says so. Without them 80,000 references to a 64 KiB value
/// in a 1 MiB template asked for 5 GiB.
public struct RenderLimits: Sendable, Equatable {
    public static let defaultMaxOutputBytes = 16 * 1024 * 1024
    public static let defaultMaxReferences = 10_000

    public var maxOutputBytes: Int
    public var maxReferences: Int

    public init(maxOutputBytes: Int = defaultMaxOutputBytes, maxReferences: Int = defaultMaxReferences) {
        precondition(maxOutputBytes > 0 && maxReferences > 0, "render limits must be positive")
        self.maxOutputBytes = maxOutputBytes
        self.maxReferences = maxReferences
    }

    public static let `default` = RenderLimits()
}

extension TemplateProblem {
    static func outputTooLarge(_ limits: RenderLimits) -> TemplateProblem {
        TemplateProblem(kind: .outputTooLarge, line: 1, column: 1,
                        message: "the rendered output would be larger than \(limits.maxOutputBytes) bytes, "
                            + "this node's limit; render fewer or shorter values at once")
    }

    static func tooManyReferences(_ limits: RenderLimits, at position: SourcePosition) -> TemplateProblem {
        TemplateProblem(kind: .tooManyReferences, line: position.line, column: position.column,
                        message: "more than \(limits.maxReferences) secret references in one template, "
                            + "this node's limit; this is the first one past it")
    }
}
