import Config
import Store

// Keyspace notifications (notify.c): a command that changes a key fires an event of a class
// (KeyspaceEventFlags: g $ l s h z x e t m d n); when `notify-keyspace-events` enables the class,
// it is published on `__keyspace@<db>__:<key>` (message: the event name, with K) and on
// `__keyevent@<db>__:<event>` (message: the key, with E). Event names are Redis's, per command.

extension Server {
    /// notifyKeyspaceEvent.
    func notifyKeyspaceEvent(_ type: Int, _ event: StaticString, key: UnsafeRawBufferPointer, db: Int) {
        let enabled = settings.notifyKeyspaceEvents
        guard enabled & type != 0 else { return }
        let eventName = UnsafeRawBufferPointer(start: event.utf8Start, count: event.utf8CodeUnitCount)
        if enabled & KeyspaceEventFlags.keyspace != 0 {
            var channel = Array("__keyspace@\(db)__:".utf8)
            channel.append(contentsOf: key)
            channel.withUnsafeBytes { _ = publish(channel: $0, message: eventName) }
        }
        if enabled & KeyspaceEventFlags.keyevent != 0 {
            var channel = Array("__keyevent@\(db)__:".utf8)
            channel.append(contentsOf: eventName)
            channel.withUnsafeBytes { _ = publish(channel: $0, message: key) }
        }
    }
}

extension Client {
    /// A keyspace event about `key` of this client's database.
    @inline(__always)
    func notify(_ type: Int, _ event: StaticString, _ key: UnsafeRawBufferPointer) {
        withServer { server in
            if server.settings.notifyKeyspaceEvents & type != 0 {
                server.notifyKeyspaceEvent(type, event, key: key, db: databaseIndex)
            }
        }
    }
}
