import Util

// Turns a client's query buffer into commands, resumably: a half-received request leaves its
// progress here (arguments seen so far, the pending bulk length) and the next read continues
// from there instead of re-scanning. Arguments are spans into the query buffer, not copies.

/// Where one argument's bytes are: an offset into the query buffer (multibulk) or into the
/// parser's inline storage (inline commands, whose quoting rewrites bytes).
public struct ArgumentSpan {
    public var offset: Int
    public var length: Int
    @inlinable public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }
}

public enum ParseOutcome: Equatable {
    /// A whole command is ready in `arguments`; its bytes end at the buffer's `readIndex`.
    case command
    /// The buffer holds only part of a request.
    case needMore
    /// Malformed input: reply `-ERR Protocol error: <reason>` and close, as Redis does.
    case protocolError(String)
}

public struct ParserLimits {
    /// `proto-max-bulk-len`.
    public var maxBulkLength: Int64 = 512 * 1024 * 1024
    /// Bytes an inline request or a length line may take before its newline (PROTO_INLINE_MAX_SIZE).
    public var maxInlineLength = 64 * 1024
    /// Before AUTH, Redis accepts at most 10 arguments of at most 16 KB each.
    public var unauthenticated = false
    public init() {}
}

public struct RequestParser {
    public private(set) var spans: [ArgumentSpan] = []
    /// True when the spans point into the inline argument storage rather than the query buffer.
    public private(set) var isInline = false
    /// Unquoting rewrites inline arguments, so they are split into `inlineScratch` and then kept
    /// in `inlineArguments`, whose address stays put while the command runs.
    private var inlineScratch: [UInt8] = []
    @usableFromInline let inlineArguments = InlineArgumentStorage()
    /// Multibulk arguments still expected; 0 when no multibulk request is in progress.
    private var pendingArguments = 0
    /// Length of the bulk being received, -1 before its `$` line has arrived.
    private var pendingBulkLength = -1
    /// Where the half-received multibulk command starts in the query buffer: its parsed
    /// arguments lie between here and `readIndex`, so compaction must keep them.
    public private(set) var commandStart: Int? = nil
    public var limits = ParserLimits()
    /// The largest span count kept between requests, so a one-off huge MSET doesn't pin memory.
    private static let retainedSpanCapacity = 1024

    public init() {
        spans.reserveCapacity(16)
    }

    @inlinable public var argumentCount: Int { spans.count }

    /// Called when the query buffer slid its bytes `shift` places towards the front.
    public mutating func bufferDidShift(by shift: Int) {
        guard shift != 0, !isInline else { return }
        for index in spans.indices { spans[index].offset -= shift }
        if let start = commandStart { commandStart = start - shift }
    }

    /// Forgets the last command, ready for the next one.
    public mutating func reset() {
        if spans.capacity > RequestParser.retainedSpanCapacity {
            spans = []
            spans.reserveCapacity(16)
        } else {
            spans.removeAll(keepingCapacity: true)
        }
        isInline = false
        pendingArguments = 0
        pendingBulkLength = -1
        commandStart = nil
    }

    /// How many more bytes the buffer should hold to finish the current bulk, so the caller can
    /// size its next read to take a big value in one go.
    public var bytesWanted: Int { pendingBulkLength >= 0 ? pendingBulkLength + 2 : 0 }

    /// Parses from `buffer.readIndex`, advancing it past each complete request. Empty requests
    /// (a bare newline, `*0`) are skipped.
    public mutating func parse(_ buffer: QueryBuffer) -> ParseOutcome {
        while buffer.readIndex < buffer.writeIndex {
            let outcome: ParseOutcome
            if pendingArguments > 0 || buffer.storage[buffer.readIndex] == UInt8(ascii: "*") {
                outcome = parseMultibulk(buffer)
            } else {
                outcome = parseInline(buffer)
            }
            switch outcome {
            case .command:
                if spans.isEmpty { continue }
                return .command
            default:
                return outcome
            }
        }
        return .needMore
    }

    /// Finds `\r` from `start` and checks the `\n` after it has arrived. Returns the index of `\r`.
    @inline(__always)
    private func lineEnd(_ buffer: QueryBuffer, from start: Int) -> Int? {
        var index = start
        let end = buffer.writeIndex
        let bytes = buffer.storage
        while index < end {
            if bytes[index] == 0x0D { return index + 1 < end ? index : nil }
            index &+= 1
        }
        return nil
    }

    private mutating func parseMultibulk(_ buffer: QueryBuffer) -> ParseOutcome {
        let bytes = buffer.storage
        if pendingArguments == 0 {
            guard let cr = lineEnd(buffer, from: buffer.readIndex) else {
                if buffer.readableCount > limits.maxInlineLength {
                    return .protocolError("too big mbulk count string")
                }
                return .needMore
            }
            let count = parseInt64(UnsafeRawBufferPointer(start: bytes + buffer.readIndex + 1, count: cr - buffer.readIndex - 1))
            guard let count, count <= Int64(Int32.max) else {
                return .protocolError("invalid multibulk length")
            }
            if count > 10 && limits.unauthenticated {
                return .protocolError("unauthenticated multibulk length")
            }
            commandStart = buffer.readIndex
            buffer.readIndex = cr + 2
            if count <= 0 {
                commandStart = nil
                return .command
            }
            pendingArguments = Int(count)
            spans.reserveCapacity(min(Int(count), RequestParser.retainedSpanCapacity))
        }
        while pendingArguments > 0 {
            if pendingBulkLength < 0 {
                guard let cr = lineEnd(buffer, from: buffer.readIndex) else {
                    if buffer.readableCount > limits.maxInlineLength {
                        return .protocolError("too big bulk count string")
                    }
                    return .needMore
                }
                let first = bytes[buffer.readIndex]
                if first != UInt8(ascii: "$") {
                    return .protocolError("expected '$', got '\(Character(Unicode.Scalar(first)))'")
                }
                let length = parseInt64(UnsafeRawBufferPointer(start: bytes + buffer.readIndex + 1, count: cr - buffer.readIndex - 1))
                guard let length, length >= 0, length <= limits.maxBulkLength else {
                    return .protocolError("invalid bulk length")
                }
                if length > 16384 && limits.unauthenticated {
                    return .protocolError("unauthenticated bulk length")
                }
                buffer.readIndex = cr + 2
                pendingBulkLength = Int(length)
            }
            if buffer.readableCount < pendingBulkLength + 2 { return .needMore }
            spans.append(ArgumentSpan(offset: buffer.readIndex, length: pendingBulkLength))
            buffer.readIndex += pendingBulkLength + 2
            pendingBulkLength = -1
            pendingArguments -= 1
        }
        commandStart = nil
        return .command
    }

    private mutating func parseInline(_ buffer: QueryBuffer) -> ParseOutcome {
        let bytes = buffer.storage
        var newline = -1
        var index = buffer.readIndex
        while index < buffer.writeIndex {
            if bytes[index] == 0x0A { newline = index; break }
            index &+= 1
        }
        if newline < 0 {
            if buffer.readableCount > limits.maxInlineLength {
                return .protocolError("too big inline request")
            }
            return .needMore
        }
        var lineEnd = newline
        if lineEnd > buffer.readIndex && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        inlineScratch.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        let line = UnsafeRawBufferPointer(start: bytes + buffer.readIndex, count: lineEnd - buffer.readIndex)
        guard splitInlineArguments(line, storage: &inlineScratch, spans: &spans) else {
            spans.removeAll(keepingCapacity: true)
            return .protocolError("unbalanced quotes in request")
        }
        isInline = !spans.isEmpty
        inlineArguments.store(inlineScratch)
        buffer.readIndex = newline + 1
        return .command
    }

    /// The bytes of argument `index` of the command just parsed. Valid until the next parse or
    /// until the query buffer is compacted.
    @inlinable
    public func argument(_ index: Int, in buffer: QueryBuffer) -> UnsafeRawBufferPointer {
        let span = spans[index]
        if isInline {
            return UnsafeRawBufferPointer(start: inlineArguments.base + span.offset, count: span.length)
        }
        return UnsafeRawBufferPointer(start: buffer.storage + span.offset, count: span.length)
    }
}

/// The bytes of the current inline command's arguments, in one allocation reused across commands.
public final class InlineArgumentStorage {
    @usableFromInline private(set) var base: UnsafeMutableRawPointer
    private var capacity: Int

    init() {
        capacity = 256
        base = .allocate(byteCount: capacity, alignment: 1)
    }

    deinit { base.deallocate() }

    func store(_ bytes: [UInt8]) {
        if bytes.count > capacity {
            base.deallocate()
            capacity = bytes.count
            base = .allocate(byteCount: capacity, alignment: 1)
        }
        bytes.withUnsafeBytes { if let source = $0.baseAddress { base.copyMemory(from: source, byteCount: $0.count) } }
    }
}
