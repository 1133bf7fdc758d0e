extension SecretTable {
    /// Renders a template that was never compiled, for callers that do not cache: one pass
    /// over the source collects segments on the stack, then the shared render loop fills one
    /// fresh buffer. Any problem sends it down the compiled path, which reports them all,
    /// so both paths always agree.
    public func render(
        _ template: UnsafeRawBufferPointer, delimiters: Delimiters = .braces, placement: Placement = .body
    ) throws(TemplateError) -> RenderedOutput {
        if template.count <= CompiledTemplate.maxSourceCount {
            let output = withUnsafeTemporaryAllocation(of: Segment.self, capacity: OneShotVisitor.capacity) { stack in
                var visitor = OneShotVisitor(
                    table: self, source: template, guardedEnd: placement.guardedEnd(in: template), segments: stack)
                TemplateScanner(source: template, delimiters: delimiters).scan(into: &visitor)
                guard visitor.isRenderable else { return nil as [UInt8]? }
                return SegmentRenderer.render(
                    UnsafeBufferPointer(rebasing: stack[..<visitor.count]), source: template, table: self)
            }
            if let output { return RenderedOutput(bytes: output, generation: generation) }
        }
        return try CompiledTemplate(template, table: self, delimiters: delimiters, placement: placement)
            .render(with: self)
    }

    public func render(
        _ template: [UInt8], delimiters: Delimiters = .braces, placement: Placement = .body
    ) throws(TemplateError) -> RenderedOutput {
        let result = template.withUnsafeBytes { bytes in
            Result { () throws(TemplateError) in try render(bytes, delimiters: delimiters, placement: placement) }
        }
        return try result.get()
    }
}

/// Collects segments into a fixed stack buffer; gives up (to the compiled path) on any
/// problem, unknown name, or more segments than fit.
private struct OneShotVisitor: TemplateVisitor {
    /// As many segments as fit in 1 KiB, the most `withUnsafeTemporaryAllocation` keeps on the
    /// stack without asking the system; past that it would allocate on the heap.
    static var capacity: Int { 1024 / MemoryLayout<Segment>.stride }

    let table: SecretTable
    let source: UnsafeRawBufferPointer
    let guardedEnd: Int
    let segments: UnsafeMutableBufferPointer<Segment>
    var count = 0
    var isRenderable = true

    mutating func literal(start: Int, end: Int) {
        append(.literal(start: start, end: end))
    }

    mutating func reference(_ scanned: ScannedReference) {
        guard isRenderable else { return }
        let name = UnsafeRawBufferPointer(rebasing: source[scanned.nameStart..<scanned.nameEnd])
        guard let slot = table.index.slot(of: name) else {
            isRenderable = false
            return
        }
        append(Segment(start: Int32(scanned.start), length: 0, slot: Int32(slot),
                       guarded: scanned.start < guardedEnd && scanned.filters.isEmpty, filters: scanned.filters))
    }

    mutating func problem(_ problem: ScannedProblem) {
        isRenderable = false
    }

    @inline(__always)
    private mutating func append(_ segment: Segment) {
        guard isRenderable, count < segments.count else {
            isRenderable = false
            return
        }
        segments[count] = segment
        count += 1
    }
}
