// The ACL log (ACL LOG): refused commands, keys, channels and logins, newest first. An entry
// like one of the ten newest within a minute bumps that entry's count instead (7.0's
// grouping); the list is kept within acllog-max-len.

enum ACLLogReason: Equatable {
    case command, key, channel, auth

    var name: String {
        switch self {
        case .command: return "command"
        case .key: return "key"
        case .channel: return "channel"
        case .auth: return "auth"
        }
    }
}

enum ACLLogContext: String {
    case toplevel, multi, lua
}

struct ACLLogEntry {
    var count: Int64
    let reason: ACLLogReason
    let context: ACLLogContext
    let object: [UInt8]
    let username: [UInt8]
    /// Wall-clock ms of the last occurrence.
    var time: Int64
    var clientInfo: String
}

struct ACLLog {
    static let groupingWindow: Int64 = 60000
    private(set) var entries: [ACLLogEntry] = []

    mutating func add(_ entry: ACLLogEntry, maxLength: Int) {
        for index in entries.indices.prefix(10) {
            let current = entries[index]
            if current.reason == entry.reason && current.context == entry.context
                && abs(current.time - entry.time) <= ACLLog.groupingWindow
                && current.object == entry.object && current.username == entry.username {
                var updated = current
                updated.count += 1
                updated.time = entry.time
                updated.clientInfo = entry.clientInfo
                entries.remove(at: index)
                entries.insert(updated, at: 0)
                return
            }
        }
        entries.insert(entry, at: 0)
        if entries.count > maxLength { entries.removeSubrange(max(maxLength, 0)...) }
    }

    mutating func reset() { entries.removeAll() }
}
