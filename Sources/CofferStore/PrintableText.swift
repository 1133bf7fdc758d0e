/// Text that an audit line may carry as given: no control or format characters (bidi
/// overrides among them) and no line separators, so the trail reads as it was written.
public enum PrintableText {
    public static func allows(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: false
        default: true
        }
    }

    public static func isPrintable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(allows)
    }
}
