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

extension Server {
    /// The `new` event (n) comes from dbAdd, which is the Database's to call: its hook is set
    /// only while the class is enabled, so creating a key costs one test otherwise. Called
    /// whenever the settings are (re)loaded.
    func updateNewKeyNotification() {
        let enabled = settings.notifyKeyspaceEvents & KeyspaceEventFlags.new != 0
        for db in databases {
            if enabled == (db.keyAdded != nil) { continue }
            db.keyAdded = enabled ? { [unowned self, unowned db] key in
                self.notifyKeyspaceEvent(KeyspaceEventFlags.new, "new", key: key, db: db.id)
            } : nil
        }
    }

    /// What follows the deletion of a key by maxmemory eviction (Eviction/Eviction.swift), as
    /// Redis's performEvictions: the change signal (made by no client), the `evicted` event (e),
    /// and the propagated deletion (UNLINK with lazyfree-lazy-eviction).
    func keyEvicted(_ db: Database, _ key: UnsafeRawBufferPointer) {
        if db.observesKeyChanges { keyModified(db, key, byClient: false) }
        notifyKeyspaceEvent(KeyspaceEventFlags.evicted, "evicted", key: key, db: db.id)
        let lazy = settings.lazyfreeLazyEviction
        propagation.append(db: db.id, count: 2) { arguments in
            arguments.append(lazy ? "UNLINK" : "DEL")
            arguments.append(key)
        }
    }
}

extension Client {
    /// The `keymiss` event (m) of a read lookup that found nothing (lookupKey without
    /// LOOKUP_NONOTIFY or LOOKUP_WRITE).
    @inline(__always)
    func notifyKeyMiss(_ key: UnsafeRawBufferPointer) {
        notify(KeyspaceEventFlags.keyMiss, "keymiss", key)
    }
}
