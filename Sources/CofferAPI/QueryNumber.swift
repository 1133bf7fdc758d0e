import Hummingbird

/// A number in a query string: absent, or digits within `range`; anything else is a 400 that
/// names the parameter. Never a trap and never a silent default for a value that was given.
enum QueryNumber {
    static func parse<Number: FixedWidthInteger>(
        _ text: Substring?, name: String, in range: ClosedRange<Number>
    ) throws -> Number? {
        guard let text else { return nil }
        guard let value = Number(text), range.contains(value) else {
            throw APIError.badRequest("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
