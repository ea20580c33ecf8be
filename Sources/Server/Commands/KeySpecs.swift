import RESP
import Util

// Redis 7.0's key specs (server.h's keySpec): where each command's keys are — a begin search (an
// argument index, or the argument after a keyword looked for from some position) and a find-keys
// rule (a range with a step and a limit, or a count argument) — and what the command does to
// them (RW/RO/OW/RM, access/update/insert/delete, ...). Parsed once from the generated COMMAND
// INFO metadata, so they are Redis's own.

/// CMD_KEY_* flags, in the order COMMAND GETKEYSANDFLAGS names them.
struct KeySpecFlags: OptionSet, Hashable {
    let rawValue: UInt16
    static let ro = KeySpecFlags(rawValue: 1 << 0)
    static let rw = KeySpecFlags(rawValue: 1 << 1)
    static let ow = KeySpecFlags(rawValue: 1 << 2)
    static let rm = KeySpecFlags(rawValue: 1 << 3)
    static let access = KeySpecFlags(rawValue: 1 << 4)
    static let update = KeySpecFlags(rawValue: 1 << 5)
    static let insert = KeySpecFlags(rawValue: 1 << 6)
    static let delete = KeySpecFlags(rawValue: 1 << 7)
    static let notKey = KeySpecFlags(rawValue: 1 << 8)
    static let incomplete = KeySpecFlags(rawValue: 1 << 9)
    static let variableFlags = KeySpecFlags(rawValue: 1 << 10)

    static let names: [(KeySpecFlags, String)] = [
        (.ro, "RO"), (.rw, "RW"), (.ow, "OW"), (.rm, "RM"), (.access, "access"), (.update, "update"),
        (.insert, "insert"), (.delete, "delete"), (.notKey, "not_key"), (.incomplete, "incomplete"),
        (.variableFlags, "variable_flags"),
    ]

    init(rawValue: UInt16) { self.rawValue = rawValue }

    init(names: [String]) {
        var flags: KeySpecFlags = []
        for name in names {
            if let match = KeySpecFlags.names.first(where: { $0.1.lowercased() == name.lowercased() }) { flags.insert(match.0) }
        }
        self = flags
    }
}

struct KeySpec {
    enum BeginSearch {
        case index(Int)
        case keyword(String, startFrom: Int)
        case unknown
    }
    enum FindKeys {
        case range(lastKey: Int, keyStep: Int, limit: Int)
        case keyNumber(keyNumberIndex: Int, firstKey: Int, keyStep: Int)
        case unknown
    }

    let flags: KeySpecFlags
    let begin: BeginSearch
    let find: FindKeys

    /// The key specs of a COMMAND INFO entry (its 9th element).
    static func parse(_ info: ReplyTree) -> [KeySpec] {
        guard let elements = info.arrayElements, elements.count > 8, let specs = elements[8].arrayElements else { return [] }
        return specs.map { spec in
            let flags = KeySpecFlags(names: spec[key: "flags"]?.arrayElements?.compactMap(\.string) ?? [])
            var begin = BeginSearch.unknown
            if let search = spec[key: "begin_search"], let body = search[key: "spec"] {
                switch search[key: "type"]?.string {
                case "index": begin = .index(Int(body[key: "index"]?.int ?? 0))
                case "keyword":
                    begin = .keyword(body[key: "keyword"]?.string ?? "", startFrom: Int(body[key: "startfrom"]?.int ?? 0))
                default: break
                }
            }
            var find = FindKeys.unknown
            if let keys = spec[key: "find_keys"], let body = keys[key: "spec"] {
                switch keys[key: "type"]?.string {
                case "range":
                    find = .range(lastKey: Int(body[key: "lastkey"]?.int ?? 0), keyStep: Int(body[key: "keystep"]?.int ?? 1),
                                  limit: Int(body[key: "limit"]?.int ?? 0))
                case "keynum":
                    find = .keyNumber(keyNumberIndex: Int(body[key: "keynumidx"]?.int ?? 0),
                                      firstKey: Int(body[key: "firstkey"]?.int ?? 1), keyStep: Int(body[key: "keystep"]?.int ?? 1))
                default: break
                }
            }
            return KeySpec(flags: flags, begin: begin, find: find)
        }
    }
}

/// A key found in a command's arguments: its position and what the command does to it.
struct KeyReference {
    let position: Int
    let flags: KeySpecFlags
}

enum KeyExtraction {
    /// doesCommandHaveKeys: a key-finding procedure, or a spec that is not `not_key`.
    static func commandHasKeys(_ command: Command) -> Bool {
        hasProcedure(command.fullName) || command.keySpecs.contains { !$0.flags.contains(.notKey) }
    }

    static func hasProcedure(_ name: String) -> Bool {
        ["set", "bitfield", "sort", "sort_ro", "migrate"].contains(name)
    }

    /// getKeysFromCommandWithSpecs: the specs when they are complete and their flags fixed, else
    /// the command's own procedure; nil when the arguments do not name the keys the specs want.
    static func keys(of command: Command, count: Int, argument: (Int) -> UnsafeRawBufferPointer) -> [KeyReference] {
        let specs = command.keySpecs
        let hasKeySpec = specs.contains { !$0.flags.contains(.notKey) }
        let variableFlags = specs.contains { $0.flags.contains(.variableFlags) }
        if hasKeySpec && !variableFlags, let found = usingSpecs(specs, count: count, arity: command.arity, argument: argument) {
            return found
        }
        return procedure(command.fullName, count: count, argument: argument)
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard bytes.count == utf8.count else { return false }
        for index in 0..<utf8.count where bytes[index] | 0x20 != utf8[index] | 0x20 { return false }
        return true
    }

    /// getKeysUsingKeySpecs.
    static func usingSpecs(_ specs: [KeySpec], count argc: Int, arity: Int,
                           argument: (Int) -> UnsafeRawBufferPointer) -> [KeyReference]? {
        var keys: [KeyReference] = []
        for spec in specs {
            if spec.flags.contains(.notKey) { continue }
            var first = 0
            switch spec.begin {
            case .index(let position): first = position
            case .keyword(let keyword, let startFrom):
                let start = startFrom > 0 ? startFrom : argc + startFrom
                let end = startFrom > 0 ? argc - 1 : 1
                // As Redis's loop, the search stops before `end`.
                var index = start
                while index != end {
                    if index >= argc || index < 1 { break }
                    if equalsIgnoringCase(argument(index), keyword) {
                        first = index + 1
                        break
                    }
                    index += start <= end ? 1 : -1
                }
                if first == 0 { continue }
            case .unknown: return nil
            }
            var last: Int
            var step: Int
            switch spec.find {
            case .range(let lastKey, let keyStep, let limit):
                step = keyStep
                if lastKey >= 0 {
                    last = first + lastKey
                } else if limit == 0 {
                    last = argc + lastKey
                } else {
                    last = first + ((argc - first) / limit + lastKey)
                }
            case .keyNumber(let keyNumberIndex, let firstKey, let keyStep):
                step = keyStep
                guard first + keyNumberIndex < argc, let number = parseInt64(argument(first + keyNumberIndex)),
                      number >= 0 else { return nil }
                first += firstKey
                last = first + Int(number) - 1
            case .unknown: return nil
            }
            if last >= argc || last < first || first >= argc { return nil }
            var index = first
            while index <= last {
                if index >= argc || index < first {
                    if arity < 0 { index += max(step, 1); continue }
                    break
                }
                keys.append(KeyReference(position: index, flags: spec.flags))
                index += max(step, 1)
            }
            if spec.flags.contains(.incomplete) { return nil }
        }
        return keys
    }

    /// The getkeys_proc of the commands whose specs are incomplete or whose flags vary.
    static func procedure(_ name: String, count argc: Int, argument: (Int) -> UnsafeRawBufferPointer) -> [KeyReference] {
        switch name {
        case "set":
            for index in 3..<max(argc, 3) where equalsIgnoringCase(argument(index), "get") {
                return [KeyReference(position: 1, flags: [.rw, .access, .update])]
            }
            return [KeyReference(position: 1, flags: [.ow, .update])]
        case "bitfield":
            var readOnly = true
            var index = 2
            while index < argc {
                let remaining = argc - index - 1
                let word = argument(index)
                if equalsIgnoringCase(word, "get") && remaining >= 2 {
                    index += 3
                } else if (equalsIgnoringCase(word, "set") || equalsIgnoringCase(word, "incrby")) && remaining >= 3 {
                    readOnly = false
                    break
                } else if equalsIgnoringCase(word, "overflow") && remaining >= 1 {
                    index += 2
                } else {
                    readOnly = false
                    break
                }
            }
            return [KeyReference(position: 1, flags: readOnly ? [.ro, .access] : [.rw, .access, .update])]
        case "sort", "sort_ro":
            var keys = [KeyReference(position: 1, flags: [.ro, .access])]
            if name == "sort_ro" { return keys }
            var store: Int?
            var index = 2
            while index < argc {
                let word = argument(index)
                if equalsIgnoringCase(word, "limit") {
                    index += 2
                } else if equalsIgnoringCase(word, "store") && index + 1 < argc {
                    store = index + 1
                } else if equalsIgnoringCase(word, "get") || equalsIgnoringCase(word, "by") {
                    index += 1
                }
                index += 1
            }
            if let store { keys.append(KeyReference(position: store, flags: [.ow, .update])) }
            return keys
        case "migrate":
            var first = 3
            var number = 1
            if argc > 6 {
                var index = 6
                while index < argc {
                    let word = argument(index)
                    if equalsIgnoringCase(word, "keys") {
                        if argument(3).count > 0 { return [] }
                        first = index + 1
                        number = argc - first
                        break
                    }
                    if equalsIgnoringCase(word, "auth") { index += 1 } else if equalsIgnoringCase(word, "auth2") { index += 2 }
                    index += 1
                }
            }
            return (0..<max(number, 0)).map { KeyReference(position: first + $0, flags: [.rw, .access, .delete]) }
        default:
            return []
        }
    }
}
