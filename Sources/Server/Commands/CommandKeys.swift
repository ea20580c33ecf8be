import Util

// Which arguments of a command are keys (Redis's getKeysFromCommand): the fixed first/last/step
// positions of the command table, and, for commands with movable keys, the rule each one's key
// specs describe (a numkeys argument, SORT's STORE). Client tracking and COMMAND GETKEYS read it.

enum CommandKeys {
    /// Argument indexes of the keys of `command` as `client` called it.
    static func positions(of command: Command, in client: Client) -> [Int] {
        positions(of: command, count: client.argumentCount) { client.arg($0) }
    }

    static func positions(of command: Command, count: Int, argument: (Int) -> UnsafeRawBufferPointer) -> [Int] {
        if command.flags.contains(.movableKeys) {
            if let movable = movablePositions(command.fullName, count: count, argument: argument) { return movable }
        }
        guard command.firstKey > 0 else { return [] }
        let last = command.lastKey < 0 ? count + command.lastKey : command.lastKey
        var keys: [Int] = []
        var index = command.firstKey
        while index <= last && index < count {
            keys.append(index)
            index += max(command.keyStep, 1)
        }
        return keys
    }

    /// nil: the command's fixed positions apply.
    private static func movablePositions(_ name: String, count: Int, argument: (Int) -> UnsafeRawBufferPointer) -> [Int]? {
        /// `numkeys` at `at`, keys right after it (and `before` keys ahead of numkeys).
        func numkeys(at position: Int, before: [Int] = []) -> [Int] {
            guard position < count, let number = parseInt64(argument(position)), number > 0,
                  number <= Int64(count - position - 1) else { return before }
            return before + Array((position + 1)...(position + Int(number)))
        }
        switch name {
        case "zunion", "zinter", "zdiff", "sintercard", "zintercard", "lmpop", "zmpop": return numkeys(at: 1)
        case "blmpop", "bzmpop", "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro": return numkeys(at: 2)
        case "zunionstore", "zinterstore", "zdiffstore": return numkeys(at: 2, before: [1])
        case "sort", "sort_ro":
            var keys = [1]
            var index = 2
            while index < count {
                let word = argument(index)
                if name == "sort" && word.count == 5 && String(decoding: word, as: UTF8.self).lowercased() == "store" && index + 1 < count {
                    keys.append(index + 1)
                    index += 1
                }
                index += 1
            }
            return keys
        case "georadius", "georadiusbymember":
            // The STORE and STOREDIST keyword specs: each keyword's first occurrence from the
            // options on (never the last argument) names a key.
            let options = name == "georadius" ? 6 : 5
            return [1] + ["store", "storedist"].compactMap { keyword in
                stride(from: options, to: count - 1, by: 1).first {
                    String(decoding: argument($0), as: UTF8.self).lowercased() == keyword
                }.map { $0 + 1 }
            }
        default: return nil
        }
    }
}
