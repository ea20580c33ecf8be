import Config
import Store

// What the server does when the keyspace changes under a command (Database's hooks): a changed
// key touches the clients WATCHing it (and, with client tracking, invalidates it); a key deleted
// by expiry fires the `expired` event and propagates as a DEL (UNLINK with lazyfree-lazy-expire),
// as Redis's deleteExpiredKeyAndPropagate. The change hook is only called while somebody
// watches, so a write pays one test otherwise.

extension Server {
    func installKeyspaceObservers() {
        for db in databases {
            db.keyChanged = { [unowned self, unowned db] key in self.keyModified(db, key) }
            db.keyExpired = { [unowned self, unowned db] key in self.keyExpired(db, key) }
        }
    }

    /// signalModifiedKey's effects. `byClient` false: a change no client made (expiry), which a
    /// BCAST NOLOOP client must still hear about.
    func keyModified(_ db: Database, _ key: UnsafeRawBufferPointer, byClient: Bool = true) {
        if watches.isActive { touchWatchedKey(db, key) }
        if !tracking.keys.isEmpty || !tracking.prefixes.isEmpty {
            invalidateTrackedKey(key, broadcast: true, changedBy: byClient ? currentClient : nil)
        }
        if blocking.streamGroupReaders != 0 { streamKeyChanged(db, key) }
    }

    /// Turns the change hook on while something listens to it.
    func updateKeyObservation() {
        let observed = watches.isActive || tracking.isActive || !tracking.keys.isEmpty || blocking.streamGroupReaders != 0
        if databases.first?.observesKeyChanges == observed { return }
        for db in databases { db.observesKeyChanges = observed }
    }

    /// deleteExpiredKeyAndPropagate, after the deletion (counted by the caller).
    func keyExpired(_ db: Database, _ key: UnsafeRawBufferPointer) {
        if db.observesKeyChanges { keyModified(db, key, byClient: false) }
        notifyKeyspaceEvent(KeyspaceEventFlags.expired, "expired", key: key, db: db.id)
        propagation.append(db: db.id, count: 2) { arguments in
            arguments.append(config.bool("lazyfree-lazy-expire") ? "UNLINK" : "DEL")
            arguments.append(key)
        }
    }

    /// signalFlushedDb: before `db` (nil: every database) is emptied by FLUSHDB/FLUSHALL.
    func databaseWillFlush(_ db: Database?) {
        for emptied in db.map({ [$0] }) ?? databases { touchAllWatchedKeys(in: emptied, replacedWith: nil) }
        invalidateTrackingOnFlush()
    }

    /// Before SWAPDB exchanges two databases' contents.
    func databasesWillSwap(_ first: Database, _ second: Database) {
        touchAllWatchedKeys(in: first, replacedWith: second)
        touchAllWatchedKeys(in: second, replacedWith: first)
    }
}
