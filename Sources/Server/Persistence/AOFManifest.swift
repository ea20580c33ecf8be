import Glibc

// Redis 7.0's multi-part AOF manifest (aof.c): one base file, the incr files written since it,
// and history files waiting to be deleted, one line each:
// `file appendonly.aof.1.base.rdb seq 1 type b`. It is rewritten atomically (a temp file,
// fsync, rename, fsync of the directory) whenever the set of files changes.

struct AOFFileInfo: Equatable {
    enum Kind: Character { case base = "b", history = "h", incr = "i" }
    var name: String
    var seq: Int64
    var kind: Kind
}

struct AOFManifest: Equatable {
    var base: AOFFileInfo?
    var incrs: [AOFFileInfo] = []
    var history: [AOFFileInfo] = []
    var currentBaseSeq: Int64 = 0
    var currentIncrSeq: Int64 = 0

    static let suffix = ".manifest"
    static let tempPrefix = "temp-"

    /// getAofManifestAsString: base, then history, then incr files, in that order.
    var text: String {
        var lines = ""
        func add(_ info: AOFFileInfo) {
            lines += "file \(AOFManifest.quotedIfNeeded(info.name)) seq \(info.seq) type \(info.kind.rawValue)\n"
        }
        if let base { add(base) }
        history.forEach(add)
        incrs.forEach(add)
        return lines
    }

    /// sdsneedsrepr: names with spaces, quotes or control bytes are written as quoted strings.
    private static func quotedIfNeeded(_ name: String) -> String {
        let special = name.utf8.contains { $0 <= 32 || $0 == 34 || $0 == 39 || $0 == 92 || $0 >= 127 }
        guard special else { return name }
        var out = "\""
        for byte in name.utf8 {
            switch byte {
            case 92: out += "\\\\"
            case 34: out += "\\\""
            case 10: out += "\\n"
            case 13: out += "\\r"
            case 9: out += "\\t"
            case 32...126: out += String(UnicodeScalar(byte))
            default: out += "\\x" + String(byte, radix: 16).leftPadded(2)
            }
        }
        return out + "\""
    }

    /// aofLoadManifestFromFile, with its error texts.
    static func parse(_ text: String) throws -> AOFManifest {
        var manifest = AOFManifest()
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            func fail(_ message: String) -> AOFError { AOFError(message, line: index + 1, text: line) }
            if line.hasPrefix("#") { continue }
            if line.trimmingSpaces.isEmpty { throw fail("Invalid AOF manifest file format") }
            guard let words = splitArgs(line), words.count % 2 == 0 else {
                throw fail("Invalid AOF manifest file format")
            }
            var name: String?
            var seq: Int64?
            var kind: AOFFileInfo.Kind?
            var index = 0
            while index < words.count {
                let value = words[index + 1]
                switch words[index] {
                case "file": name = value
                case "seq": seq = Int64(value)
                case "type": kind = value.count == 1 ? AOFFileInfo.Kind(rawValue: value.first!) : nil
                default: break
                }
                index += 2
            }
            guard let name, let seq, let kind else { throw fail("Invalid AOF manifest file format") }
            let info = AOFFileInfo(name: name, seq: seq, kind: kind)
            switch kind {
            case .base:
                if manifest.base != nil { throw fail("Found duplicate base file information") }
                manifest.base = info
                manifest.currentBaseSeq = seq
            case .history:
                manifest.history.append(info)
            case .incr:
                if seq <= manifest.currentIncrSeq { throw fail("Found a non-monotonic sequence number") }
                manifest.incrs.append(info)
                manifest.currentIncrSeq = seq
            }
        }
        if manifest.base == nil && manifest.incrs.isEmpty { throw AOFError("Found an empty AOF manifest") }
        return manifest
    }

    /// sdssplitargs for the manifest: words, double-quoted strings with escapes, single quotes.
    private static func splitArgs(_ line: String) -> [String]? {
        var words: [String] = []
        let bytes = Array(line.utf8)
        var i = 0
        while i < bytes.count {
            while i < bytes.count && (bytes[i] == 32 || bytes[i] == 9) { i += 1 }
            if i >= bytes.count { break }
            var word: [UInt8] = []
            if bytes[i] == 34 || bytes[i] == 39 {
                let quote = bytes[i]
                i += 1
                var closed = false
                while i < bytes.count {
                    if bytes[i] == 92 && quote == 34 && i + 1 < bytes.count {
                        i += 1
                        switch bytes[i] {
                        case UInt8(ascii: "n"): word.append(10)
                        case UInt8(ascii: "r"): word.append(13)
                        case UInt8(ascii: "t"): word.append(9)
                        case UInt8(ascii: "x") where i + 2 < bytes.count:
                            guard let value = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) else { return nil }
                            word.append(value)
                            i += 2
                        default: word.append(bytes[i])
                        }
                    } else if bytes[i] == quote {
                        closed = true
                        i += 1
                        break
                    } else {
                        word.append(bytes[i])
                    }
                    i += 1
                }
                guard closed, i >= bytes.count || bytes[i] == 32 || bytes[i] == 9 else { return nil }
            } else {
                while i < bytes.count && bytes[i] != 32 && bytes[i] != 9 { word.append(bytes[i]); i += 1 }
            }
            words.append(String(decoding: word, as: UTF8.self))
        }
        return words
    }

    // MARK: file names (getNewBaseFileNameAndMarkPreAsHistory, getNewIncrAofName)

    mutating func newBaseName(prefix: String, rdb: Bool) -> String {
        if let base { history.append(AOFFileInfo(name: base.name, seq: base.seq, kind: .history)) }
        currentBaseSeq += 1
        let name = "\(prefix).\(currentBaseSeq).base.\(rdb ? "rdb" : "aof")"
        base = AOFFileInfo(name: name, seq: currentBaseSeq, kind: .base)
        return name
    }

    mutating func newIncrName(prefix: String) -> String {
        currentIncrSeq += 1
        let name = "\(prefix).\(currentIncrSeq).incr.aof"
        incrs.append(AOFFileInfo(name: name, seq: currentIncrSeq, kind: .incr))
        return name
    }

    /// markRewrittenIncrAofAsHistory: every incr file but the newest becomes history.
    mutating func markRewrittenIncrsAsHistory(keepingNewest: Bool) {
        let kept = keepingNewest ? incrs.suffix(1) : []
        for info in incrs.dropLast(kept.count) { history.append(AOFFileInfo(name: info.name, seq: info.seq, kind: .history)) }
        incrs = Array(kept)
    }
}

struct AOFError: Error, CustomStringConvertible {
    let description: String
    /// For a manifest error: the line (1-based) and its text, which Redis's log quotes.
    var line = 0
    var text = ""
    init(_ description: String, line: Int = 0, text: String = "") {
        self.description = description
        self.line = line
        self.text = text
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }

    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
