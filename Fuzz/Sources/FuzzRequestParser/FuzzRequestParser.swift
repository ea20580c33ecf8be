import FuzzSupport
import RESP

// The request parser as the server drives it (Connections.swift readFromClient/processInput):
// reads of random sizes into a QueryBuffer that slides and grows, resumable parsing, the
// pipelined-key peek, reset after each command. The same bytes are also parsed in one go, and
// the commands must be the same: splitting input at any point may not change what is parsed.
//
// Input: [flags] [split seed] [stream...]. flags bit 0: unauthenticated limits; bit 1: small
// proto-max-bulk-len and inline limits; bits 2-3: the query buffer's starting capacity.

enum End: Equatable {
    case needMore
    case error(String)
}

func parse(_ stream: UnsafeRawBufferPointer, limits: ParserLimits, capacity: Int, reads: inout SplitMix?) -> ([[[UInt8]]], End) {
    let query = QueryBuffer(capacity: capacity)
    var parser = RequestParser()
    parser.limits = limits
    var commands: [[[UInt8]]] = []
    var fed = 0
    while true {
        // readFromClient: room for a read, or for the rest of a big bulk.
        let readSize = reads.map { _ in 16 } ?? max(stream.count, 1)
        var wanted = readSize
        let bulkRemaining = parser.bytesWanted - query.readableCount
        if bulkRemaining > 2 * readSize { wanted = bulkRemaining }
        let shift = query.reserve(minimumWritable: wanted, keepingFrom: parser.commandStart)
        parser.bufferDidShift(by: shift)
        let room = query.capacity - query.writeIndex
        var count = min(room, stream.count - fed)
        if var generator = reads {
            count = min(count, 1 + generator.below(generator.below(4) == 0 ? 4096 : 64))
            reads = generator
        }
        if count == 0 { return (commands, .needMore) }
        (query.storage + query.writeIndex).update(from: stream.baseAddress!.assumingMemoryBound(to: UInt8.self) + fed, count: count)
        query.writeIndex += count
        fed += count
        // processInput: every complete command, then wait for more.
        parsing: while true {
            switch parser.parse(query) {
            case .command:
                check(parser.argumentCount > 0, "a command without arguments")
                var arguments: [[UInt8]] = []
                for index in 0..<parser.argumentCount {
                    let argument = parser.argument(index, in: query)
                    if !parser.isInline {
                        check(argument.baseAddress! >= UnsafeRawPointer(query.storage)
                              && argument.baseAddress! + argument.count <= UnsafeRawPointer(query.storage + query.readIndex),
                              "an argument outside the consumed bytes")
                    }
                    arguments.append(Array(argument))
                }
                commands.append(arguments)
                if query.readIndex < query.writeIndex,
                   let next = RequestPeek.firstKey(UnsafeRawBufferPointer(start: query.storage, count: query.writeIndex), from: query.readIndex) {
                    check(next.baseAddress! + next.count <= UnsafeRawPointer(query.storage + query.writeIndex), "a peeked key past the data")
                    _ = next.reduce(0, &+)
                }
                if query.readIndex < query.writeIndex,
                   let end = RequestPeek.end(UnsafeRawBufferPointer(start: query.storage, count: query.writeIndex), from: query.readIndex) {
                    check(end > query.readIndex && end <= query.writeIndex, "a peeked request end outside the data")
                }
                parser.reset()
            case .needMore:
                if parser.commandStart == nil { query.resetIfEmpty() }
                if fed == stream.count { return (commands, .needMore) }
                break parsing
            case .protocolError(let reason):
                return (commands, .error(reason))
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let flags = input.byte()
    let seed = input.byte()
    var limits = ParserLimits()
    limits.unauthenticated = flags & 1 != 0
    if flags & 2 != 0 {
        limits.maxBulkLength = 64
        limits.maxInlineLength = 128
    } else {
        // The default 512 MB would have the buffer reserve that much for a claimed bulk.
        limits.maxBulkLength = 1 << 20
    }
    let capacity = [16, 64, 1024, QueryBuffer.standardCapacity][Int(flags >> 2 & 3)]
    let stream = input.rest
    var whole: SplitMix? = nil
    let (expected, expectedEnd) = parse(stream, limits: limits, capacity: capacity, reads: &whole)
    var split: SplitMix? = SplitMix(seed: UInt64(seed) | UInt64(flags) << 8)
    let (commands, end) = parse(stream, limits: limits, capacity: capacity, reads: &split)
    // An unterminated line is judged on what has arrived, so a split read may fail on a
    // too-long line the whole input completes; what was parsed before must still agree.
    if case .error(let reason) = end, reason.hasPrefix("too big") {
        check(commands.count <= expected.count && Array(expected.prefix(commands.count)) == commands,
              "split input parsed differently before a length error")
        return 0
    }
    check(commands == expected, "split input parsed \(commands.count) commands, whole input \(expected.count)")
    check(end == expectedEnd, "split input ended \(end), whole input \(expectedEnd)")
    return 0
}
