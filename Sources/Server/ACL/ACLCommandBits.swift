// A selector's allowed commands: one bit per ACLCommandRegistry id, plus the reserved
// future-commands bit. A fixed tuple of words so a selector copies without allocating.

struct ACLCommandBits: Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    static var all: ACLCommandBits {
        var bits = ACLCommandBits()
        bits.words = (.max, .max, .max, .max, .max, .max, .max, .max)
        return bits
    }

    static func == (a: ACLCommandBits, b: ACLCommandBits) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
            && a.words.4 == b.words.4 && a.words.5 == b.words.5 && a.words.6 == b.words.6 && a.words.7 == b.words.7
    }

    subscript(id: Int) -> Bool {
        get {
            withUnsafeBytes(of: words) { raw in
                (raw.load(fromByteOffset: (id / 64) * 8, as: UInt64.self) >> UInt64(id % 64)) & 1 == 1
            }
        }
        set {
            withUnsafeMutableBytes(of: &words) { raw in
                let offset = (id / 64) * 8
                var word = raw.load(fromByteOffset: offset, as: UInt64.self)
                let bit: UInt64 = 1 << UInt64(id % 64)
                if newValue { word |= bit } else { word &= ~bit }
                raw.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
            }
        }
    }
}
