// Rules as given over several arguments: a selector split by spaces comes back together.

enum ACLRuleText {
    /// ACLMergeSelectorArguments: "(a" "b)" become one "(a b)"; nil on an unclosed "(".
    static func mergeSelectors(_ ops: [[UInt8]]) -> [[UInt8]]? {
        mergeSelectorsReportingStart(ops).merged
    }

    static func mergeSelectorsReportingStart(_ ops: [[UInt8]]) -> (merged: [[UInt8]]?, openAt: Int) {
        var merged: [[UInt8]] = []
        var open: [UInt8]?
        var openAt = -1
        for (index, op) in ops.enumerated() {
            if op.first == UInt8(ascii: "(") && op.last != UInt8(ascii: ")") {
                open = op
                openAt = index
                continue
            }
            if var selector = open {
                selector += [UInt8(ascii: " ")] + op
                if op.last == UInt8(ascii: ")") {
                    merged.append(selector)
                    open = nil
                } else {
                    open = selector
                }
                continue
            }
            merged.append(op)
        }
        if open != nil { return (nil, openAt) }
        return (merged, -1)
    }
}
