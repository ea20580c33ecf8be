import Util

// An ACL user (Redis's `user`): flags, password hashes and selectors. The rules are one value
// so ACL SETUSER can stage every modifier on a copy and apply all or none of them. Clients hold
// their user unretained; a user leaves the table only after its clients were moved off it.

struct ACLUserRules {
    var enabled = false
    var noPass = false
    /// skip-sanitize-payload / sanitize-payload: nil until either is given.
    var sanitizePayload: Bool?
    /// SHA-256 hex of each password, in the order added.
    var passwords: [String] = []
    /// The root selector first.
    var selectors: [ACLSelector]

    init(allChannelsByDefault: Bool) {
        selectors = [ACLSelector(root: true, allChannelsByDefault: allChannelsByDefault)]
    }

    private static func equalsIgnoringCase(_ op: [UInt8], _ word: String) -> Bool {
        op.count == word.utf8.count && String(decoding: op, as: UTF8.self).lowercased() == word
    }

    /// ACLCheckPasswordHash: 64 lowercase hex digits.
    static func isValidHash(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count == 64 && bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// ACLSetUser, one modifier.
    mutating func apply(_ op: [UInt8], allChannelsByDefault: Bool) throws(ACLRuleError) {
        if op.isEmpty { return }
        let first = op[0]
        if Self.equalsIgnoringCase(op, "on") {
            enabled = true
        } else if Self.equalsIgnoringCase(op, "off") {
            enabled = false
        } else if Self.equalsIgnoringCase(op, "skip-sanitize-payload") {
            sanitizePayload = false
        } else if Self.equalsIgnoringCase(op, "sanitize-payload") {
            sanitizePayload = true
        } else if Self.equalsIgnoringCase(op, "nopass") {
            noPass = true
            passwords.removeAll()
        } else if Self.equalsIgnoringCase(op, "resetpass") {
            noPass = false
            passwords.removeAll()
        } else if first == UInt8(ascii: ">") || first == UInt8(ascii: "#") {
            let hash: String
            if first == UInt8(ascii: ">") {
                hash = SHA256.hex(Array(op[1...]))
            } else {
                guard Self.isValidHash(op[1...]) else { throw .badHash }
                hash = String(decoding: op[1...], as: UTF8.self)
            }
            if !passwords.contains(hash) { passwords.append(hash) }
            noPass = false
        } else if first == UInt8(ascii: "<") || first == UInt8(ascii: "!") {
            let hash: String
            if first == UInt8(ascii: "<") {
                hash = SHA256.hex(Array(op[1...]))
            } else {
                guard Self.isValidHash(op[1...]) else { throw .badHash }
                hash = String(decoding: op[1...], as: UTF8.self)
            }
            guard let index = passwords.firstIndex(of: hash) else { throw .noSuchPassword }
            passwords.remove(at: index)
        } else if first == UInt8(ascii: "(") && op.last == UInt8(ascii: ")") {
            selectors.append(try ACLSelector.fromOpSet(op, allChannelsByDefault: allChannelsByDefault))
        } else if Self.equalsIgnoringCase(op, "clearselectors") {
            selectors.removeSubrange(1...)
        } else if Self.equalsIgnoringCase(op, "reset") {
            noPass = false
            passwords.removeAll()
            try selectors[0].apply(Array("resetkeys".utf8))
            try selectors[0].apply(Array("resetchannels".utf8))
            if allChannelsByDefault { try selectors[0].apply(Array("allchannels".utf8)) }
            enabled = false
            sanitizePayload = true
            selectors.removeSubrange(1...)
            try selectors[0].apply(Array("-@all".utf8))
        } else {
            try selectors[0].apply(op)
        }
    }

    /// True when some selector allows every command, key and channel: the checks can be skipped.
    var allowsEverything: Bool { selectors.contains { $0.allowsEverything } }

    /// ACLCheckUserCredentials, for an existing user.
    func accepts(password: [UInt8]) -> Bool {
        if !enabled { return false }
        if noPass { return true }
        let hash = SHA256.hex(password)
        return passwords.contains(hash)
    }
}

final class ACLUser {
    let name: [UInt8]
    var rules: ACLUserRules {
        didSet { allowsEverything = rules.allowsEverything }
    }
    /// Cached `rules.allowsEverything`, the one test the command path makes.
    private(set) var allowsEverything: Bool

    init(name: [UInt8], rules: ACLUserRules) {
        self.name = name
        self.rules = rules
        allowsEverything = rules.allowsEverything
    }

    var nameString: String { String(decoding: name, as: UTF8.self) }
}
