import Store
import Util

// Parsing what the stream commands share: IDs in their several forms (t_stream.c's
// streamGenericParseIDOrReply and friends) and XADD/XTRIM's trimming options
// (streamParseAddOrTrimArgsOrReply).

extension Client {
    /// streamParseIDOrReply / streamParseStrictIDOrReply: argument `index` as an ID (`ms` alone
    /// takes `missingSequence`); `strict` refuses `-` and `+`. Nil after replying the error.
    func streamIDArgument(_ index: Int, missingSequence: UInt64 = 0, strict: Bool = false) -> StreamID? {
        streamID(arg(index), missingSequence: missingSequence, strict: strict)
    }

    func streamID(_ text: UnsafeRawBufferPointer, missingSequence: UInt64 = 0, strict: Bool = false) -> StreamID? {
        if case .id(let id)? = StreamID.parse(text, missingSequence: missingSequence, allowSpecial: !strict) {
            return id
        }
        error(ErrorText.invalidStreamID)
        return nil
    }

    /// streamParseIntervalIDOrReply plus XRANGE's adjustment of an exclusive `(` bound; nil after
    /// replying.
    func streamIntervalArgument(_ index: Int, isStart: Bool) -> StreamID? {
        let text = arg(index)
        if text.count > 1 && text[0] == UInt8(ascii: "(") {
            guard let id = streamID(UnsafeRawBufferPointer(rebasing: text[1...]),
                                    missingSequence: isStart ? 0 : .max, strict: true) else { return nil }
            guard let adjusted = isStart ? id.successor : id.predecessor else {
                error(isStart ? ErrorText.invalidIntervalStart : ErrorText.invalidIntervalEnd)
                return nil
            }
            return adjusted
        }
        return streamID(text, missingSequence: isStart ? 0 : .max)
    }

    /// mustObeyClient: the master's stream and the AOF are replayed as given, so their trimming
    /// is never limited (the master rewrote approximate trims as exact ones).
    var mustObey: Bool { flags.contains(.master) || (flags.contains(.fake) && (server.loading || server.aof.loading)) }
}

/// XADD's and XTRIM's options (streamAddTrimArgs).
struct StreamAddTrimArguments {
    var strategy: StreamTrimStrategy?
    /// The threshold argument's index (its `~` or `=` is just before it when given).
    var strategyArgumentIndex = 0
    var approximate = false
    var limit: Int64 = 0
    var noMakeStream = false
    /// XADD: the ID argument's index and what it asks for.
    var idIndex = 0
    var requestedID = Stream.RequestedID.automatic

    /// Parses from argument 2; nil after replying the error. For XADD it stops at the ID.
    init?(_ c: Client, xadd: Bool) {
        var limitGiven = false
        var index = 2
        let count = c.argumentCount
        parsing: while index < count {
            let more = count - 1 - index
            let option = c.arg(index)
            if xadd && option.count == 1 && option[0] == UInt8(ascii: "*") {
                break parsing
            } else if more > 0 && (c.argIs(index, "maxlen") || c.argIs(index, "minid")) {
                let isMaxLength = c.argIs(index, "maxlen")
                if strategy != nil {
                    c.error(ErrorText.maxlenAndMinid)
                    return nil
                }
                approximate = false
                let next = c.arg(index + 1)
                if more >= 2 && next.count == 1 && (next[0] == UInt8(ascii: "~") || next[0] == UInt8(ascii: "=")) {
                    approximate = next[0] == UInt8(ascii: "~")
                    index += 1
                }
                if isMaxLength {
                    guard let maxLength = c.integerArgument(index + 1) else { return nil }
                    if maxLength < 0 {
                        c.error(ErrorText.maxlenNegative)
                        return nil
                    }
                    strategy = .maxLength(UInt64(maxLength))
                } else {
                    guard let minimum = c.streamIDArgument(index + 1, strict: true) else { return nil }
                    strategy = .minimumID(minimum)
                }
                index += 1
                strategyArgumentIndex = index
            } else if more > 0 && c.argIs(index, "limit") {
                guard let value = c.integerArgument(index + 1) else { return nil }
                if value < 0 {
                    c.error(ErrorText.limitNegative)
                    return nil
                }
                limit = value
                limitGiven = true
                index += 1
            } else if xadd && c.argIs(index, "nomkstream") {
                noMakeStream = true
            } else if xadd {
                switch StreamID.parse(option, missingSequence: 0, allowSpecial: false, allowAutoSequence: true) {
                case .id(let id)?: requestedID = .explicit(id)
                case .autoSequence(let ms)?: requestedID = .time(ms)
                case nil:
                    c.error(ErrorText.invalidStreamID)
                    return nil
                }
                break parsing
            } else {
                c.error(ErrorText.syntax)
                return nil
            }
            index += 1
        }
        idIndex = index

        if limit != 0 && strategy == nil {
            c.error(ErrorText.limitWithoutStrategy)
            return nil
        }
        if !xadd && strategy == nil {
            c.error(ErrorText.xtrimWithoutStrategy)
            return nil
        }
        if c.mustObey {
            limit = 0
        } else if limitGiven {
            if !approximate {
                c.error(ErrorText.limitWithoutApproximate)
                return nil
            }
        } else if approximate {
            limit = 100 * Int64(c.server.settings.streamNodeMaxEntries)
            if limit <= 0 || limit > 1_000_000 { limit = 10_000 }
        } else {
            limit = 0
        }
    }
}
