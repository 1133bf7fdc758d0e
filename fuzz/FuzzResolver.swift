// libFuzzer entry for the Resolver's template parser, compiled together with
// Sources/Resolver/*.swift by run.sh (one module, so internal API is visible).
//
// Input: the first byte picks the delimiters and the placement, the rest is the template.
// The template is rendered one-shot and compiled-then-rendered over a small fixed table;
// the run traps if either crashes, if they disagree (bytes, generation or problems), or if
// an error comes without problems.

private let fixtureTable: SecretTable = {
    let catalog = SecretCatalog(hashSeed: 7)
    let secrets: [(String, [UInt8])] = [
        ("Alpha", Array("α-1".utf8)),
        ("beta_2", Array("line1\nline2".utf8)),     // unsafe in a header unless filtered
        ("G-3", Array("quote\"and\\slash".utf8)),
        ("d", Array("x".utf8)),
        ("x-token", [0x74, 0x00, 0x7A]),            // holds a NUL
        ("ApiKey", Array("k-123".utf8)),
        ("Long_Name-0123456789", Array(repeating: 0x41, count: 300)),
        // The name index's loop-free lookup covers 8 to 24 bytes: both ends of that range.
        ("Password", Array("p@ss w0rd".utf8)),
        ("Sixteen_Bytes-Ok", Array("sixteen".utf8)),
        ("Twenty_Four_Bytes_Name-X", Array("{{Secrets.Password}}".utf8)),   // a value that looks like a reference
    ]
    try! catalog.apply(secrets.map { .set(name: $0.0, value: try! SecretValue($0.1)) }, generation: 1)
    try! catalog.apply([.remove(name: "d")], generation: 2)          // a slot with no value
    return catalog.current
}()

private let delimiterChoices: [Delimiters] = [
    .braces,
    try! Delimiters(open: "<<", close: ">>"),
    try! Delimiters(open: "${", close: "}"),
    try! Delimiters(open: "{", close: "}"),
]

/// A render's bytes and generation, copied out of its output.
private struct Rendered {
    let bytes: [UInt8]
    let generation: UInt64

    init(_ output: borrowing RenderedOutput) {
        bytes = output.bytes
        generation = output.generation
    }
}

private let placementChoices: [Placement] = [.body, .headerOrURL, .rawHTTPRequest]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResolver(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = Int(data[0])
    let delimiters = delimiterChoices[selector % delimiterChoices.count]
    let placement = placementChoices[(selector / delimiterChoices.count) % placementChoices.count]
    let template = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let table = fixtureTable

    var oneShot: Result<Rendered, TemplateError>
    do { oneShot = .success(Rendered(try table.render(template, delimiters: delimiters, placement: placement))) } catch {
        oneShot = .failure(error)
    }
    var compiled: Result<Rendered, TemplateError>
    do {
        let compiledTemplate = try CompiledTemplate(template, table: table, delimiters: delimiters, placement: placement)
        compiled = .success(Rendered(try compiledTemplate.render(with: table)))
        // Rendering twice gives the same bytes.
        let again = try compiledTemplate.render(with: table)
        if case .success(let first) = compiled, first.bytes != again.bytes { fatalError("compiled renders differ") }
    } catch {
        compiled = .failure(error)
    }

    switch (oneShot, compiled) {
    case (.success(let a), .success(let b)):
        if a.bytes != b.bytes { fatalError("one-shot and compiled outputs differ") }
        if a.generation != b.generation || a.generation != table.generation { fatalError("generations differ") }
    case (.failure(let a), .failure(let b)):
        if a.problems != b.problems { fatalError("one-shot and compiled problems differ:\n\(a)\n--\n\(b)") }
        if a.problems.isEmpty { fatalError("an error without problems") }
        for problem in a.problems where problem.line < 1 || problem.column < 1 {
            fatalError("problem with a bad position: \(problem)")
        }
    default:
        fatalError("one path rendered and the other failed: \(oneShot) vs \(compiled)")
    }
    return 0
}
