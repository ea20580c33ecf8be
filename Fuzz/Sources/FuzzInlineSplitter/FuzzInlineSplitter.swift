@testable import RESP
import FuzzSupport

// The inline splitter (sdssplitargs's rules) on any line: the spans it returns lie inside the
// argument storage, and the arguments survive a round trip: quoted back (every byte as its
// escape, as sdscatrepr would) and split again, they come out the same.

func split(_ line: UnsafeRawBufferPointer) -> [[UInt8]]? {
    var storage: [UInt8] = []
    var spans: [ArgumentSpan] = []
    guard splitInlineArguments(line, storage: &storage, spans: &spans) else { return nil }
    var previousEnd = 0
    return spans.map { span in
        check(span.offset == previousEnd && span.length >= 0 && span.offset + span.length <= storage.count,
              "span \(span.offset)+\(span.length) in \(storage.count) bytes")
        previousEnd = span.offset + span.length
        return Array(storage[span.offset..<(span.offset + span.length)])
    }
}

func quoted(_ argument: [UInt8], style: UInt8) -> [UInt8] {
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = [UInt8(ascii: "\"")]
    for byte in argument {
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), byte]
        case 0x0A where style & 1 != 0: out += Array("\\n".utf8)
        case 0x21...0x7E where style & 2 != 0: out.append(byte)
        default: out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        }
    }
    out.append(UInt8(ascii: "\""))
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = UnsafeRawBufferPointer(start: data, count: size)
    guard let arguments = split(line) else { return 0 }
    let style = size > 0 ? data[0] : 0
    var again: [UInt8] = []
    for (index, argument) in arguments.enumerated() {
        if index > 0 { again.append(index % 2 == 0 ? 0x20 : 0x09) }
        again += quoted(argument, style: style)
    }
    let roundTrip = again.withUnsafeBytes { split($0) }
    check(roundTrip == arguments, "quoted arguments split differently")
    return 0
}
