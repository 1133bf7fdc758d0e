/// Which secrets a template names, for the usage trail: each present secret once, with the
/// version its value is in this table. Reads the template once and copies nothing of it.
extension SecretTable {
    public func references(
        in template: UnsafeRawBufferPointer, delimiters: Delimiters = .braces
    ) -> [(name: String, version: UInt64)] {
        var visitor = ReferenceVisitor(table: self, source: template)
        TemplateScanner(source: template, delimiters: delimiters).scan(into: &visitor)
        return visitor.slots.map { slot in (index.displayNames[slot], value(at: slot)?.version ?? 0) }
    }

    /// The version of the present secret `name` in this table.
    public func version(of name: String) -> UInt64? {
        value(named: name)?.version
    }
}

private struct ReferenceVisitor: TemplateVisitor {
    let table: SecretTable
    let source: UnsafeRawBufferPointer
    /// Distinct slots in the order first named. Most templates name a few, searched as a list;
    /// past 32 a set keeps a template of thousands of references linear.
    var slots: [Int] = []
    var seen: Set<Int>?

    mutating func literal(start: Int, end: Int) {}

    mutating func reference(_ scanned: ScannedReference) {
        let name = UnsafeRawBufferPointer(rebasing: source[scanned.nameStart..<scanned.nameEnd])
        guard let slot = table.index.slot(of: name), table.value(at: slot) != nil else { return }
        if seen == nil, slots.count >= 32 { seen = Set(slots) }
        if seen != nil {
            guard seen!.insert(slot).inserted else { return }
        } else if slots.contains(slot) {
            return
        }
        slots.append(slot)
    }

    mutating func problem(_ problem: ScannedProblem) {}
}
