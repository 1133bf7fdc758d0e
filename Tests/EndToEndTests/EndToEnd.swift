import Testing

/// Every end-to-end suite runs inside this one, one test at a time: they start real node
/// processes whose elections must not starve each other of the machine's two cores.
@Suite(.serialized) enum EndToEnd {}
