import Util

// The option grammar SET and GETEX share (Redis's parseExtendedStringArgumentsOrReply), and the
// conversion of a relative or absolute expire argument to an absolute time in milliseconds.

struct StringOptions {
    enum ExpireUnit { case seconds, milliseconds }
    enum ExpireKind { case relative, absolute }

    var nx = false
    var xx = false
    var get = false
    var keepTTL = false
    var persist = false
    /// Index of the expire argument and how to read it.
    var expireIndex: Int?
    var unit = ExpireUnit.seconds
    var kind = ExpireKind.relative

    enum Mode { case set, getex }

    /// Parses options from argument `start`; replies "syntax error" and returns nil on a bad one.
    static func parse(_ client: Client, from start: Int, mode: Mode) -> StringOptions? {
        var options = StringOptions()
        var index = start
        let count = client.argumentCount
        while index < count {
            let hasNext = index + 1 < count
            let expireSet = options.expireIndex != nil
            if client.argIs(index, "nx") && !options.xx && mode == .set {
                options.nx = true
            } else if client.argIs(index, "xx") && !options.nx && mode == .set {
                options.xx = true
            } else if client.argIs(index, "get") && mode == .set {
                options.get = true
            } else if client.argIs(index, "keepttl") && !options.persist && !expireSet && mode == .set {
                options.keepTTL = true
            } else if client.argIs(index, "persist") && mode == .getex && !expireSet && !options.keepTTL {
                options.persist = true
            } else if hasNext && !options.keepTTL && !options.persist,
                      let (unit, kind) = expireKeyword(client, index),
                      !expireSet || (options.unit == unit && options.kind == kind) {
                // Redis lets an expire keyword repeat (the last value wins) but not mix with another.
                options.unit = unit
                options.kind = kind
                options.expireIndex = index + 1
                index += 1
            } else {
                client.error(ErrorText.syntax)
                return nil
            }
            index += 1
        }
        return options
    }

    private static func expireKeyword(_ client: Client, _ index: Int) -> (ExpireUnit, ExpireKind)? {
        if client.argIs(index, "ex") { return (.seconds, .relative) }
        if client.argIs(index, "px") { return (.milliseconds, .relative) }
        if client.argIs(index, "exat") { return (.seconds, .absolute) }
        if client.argIs(index, "pxat") { return (.milliseconds, .absolute) }
        return nil
    }

    /// getExpireMillisecondsOrReply: the absolute expire time, or nil after replying an error.
    static func expireMilliseconds(_ client: Client, argument index: Int, unit: ExpireUnit, kind: ExpireKind,
                                   commandName: String) -> Int64? {
        guard var value = client.integerArgument(index) else { return nil }
        if value <= 0 || (unit == .seconds && value > Int64.max / 1000) {
            client.error(ErrorText.invalidExpireTime(commandName))
            return nil
        }
        if unit == .seconds { value *= 1000 }
        if kind == .relative { value = value &+ client.server.now }
        if value <= 0 {
            client.error(ErrorText.invalidExpireTime(commandName))
            return nil
        }
        return value
    }
}
