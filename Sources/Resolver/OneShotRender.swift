extension SecretTable {
    /// Renders a template that was never compiled, for callers that do not cache.
    ///
    /// The common case takes one pass, as a hand-written C resolver would: the scanner reads
    /// the template and the output is written as it goes, into one buffer sized for the
    /// template plus some room for values longer than their references. Anything unusual
    /// (a problem, an unknown name, a value that needs the header guard's verdict, a buffer
    /// too small) gives that pass up; the next path collects segments and sizes the output
    /// exactly, and a template it cannot render goes down the compiled path, which reports
    /// every problem. So all paths always agree.
    public func render(
        _ template: UnsafeRawBufferPointer, delimiters: Delimiters = .braces, placement: Placement = .body
    ) throws(TemplateError) -> RenderedOutput {
        RenderedOutput(adopting: try rawRender(template, delimiters: delimiters, placement: placement), generation: generation)
    }

    public func render(
        _ template: [UInt8], delimiters: Delimiters = .braces, placement: Placement = .body
    ) throws(TemplateError) -> RenderedOutput {
        let result = template.withUnsafeBytes { bytes in
            Result { () throws(TemplateError) in try rawRender(bytes, delimiters: delimiters, placement: placement) }
        }
        return RenderedOutput(adopting: try result.get(), generation: generation)
    }

    private func rawRender(
        _ template: UnsafeRawBufferPointer, delimiters: Delimiters, placement: Placement
    ) throws(TemplateError) -> RawOutput {
        if template.count <= CompiledTemplate.maxSourceCount {
            if let output = StreamingRender.render(template, table: self, delimiters: delimiters, placement: placement) {
                return output
            }
            if let output = renderFromSegments(template, delimiters: delimiters, placement: placement) {
                return output
            }
        }
        return try CompiledTemplate(template, table: self, delimiters: delimiters, placement: placement)
            .rawRender(with: self)
    }

    /// Segments collected on the stack, then the shared render loop: exact size, and the
    /// header guard applied where the placement puts it.
    private func renderFromSegments(
        _ template: UnsafeRawBufferPointer, delimiters: Delimiters, placement: Placement
    ) -> RawOutput? {
        withUnsafeTemporaryAllocation(of: Segment.self, capacity: SegmentVisitor.capacity) { stack in
            var visitor = SegmentVisitor(
                table: self, source: template, guardedEnd: placement.guardedEnd(in: template), segments: stack)
            TemplateScanner(source: template, delimiters: delimiters).scan(into: &visitor)
            guard visitor.isRenderable else { return nil }
            return SegmentRenderer.render(
                UnsafeBufferPointer(rebasing: stack[..<visitor.count]), source: template, table: self)
        }
    }
}

/// Collects segments into a fixed stack buffer; gives up (to the compiled path) on any
/// problem, unknown name, or more segments than fit.
private struct SegmentVisitor: TemplateVisitor {
    /// As many segments as fit in 1 KiB, the most `withUnsafeTemporaryAllocation` keeps on the
    /// stack without asking the system; past that it would allocate on the heap.
    static var capacity: Int { 1024 / MemoryLayout<Segment>.stride }

    let table: SecretTable
    let source: UnsafeRawBufferPointer
    let guardedEnd: Int
    let segments: UnsafeMutableBufferPointer<Segment>
    var count = 0
    var references = 0
    var isRenderable = true

    mutating func literal(start: Int, end: Int) {
        append(.literal(start: start, end: end))
    }

    mutating func reference(_ scanned: ScannedReference) {
        references += 1
        guard isRenderable, references <= table.limits.maxReferences else {
            isRenderable = false
            return
        }
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
