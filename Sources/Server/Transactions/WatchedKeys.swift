import Store

// WATCH (multi.c, Redis 7.0): a dict per server from (database, key) to the clients watching it,
// as Redis's db->watched_keys, and per client the list of its watched keys. Any change to a
// watched key — a write with the same value, an expiry, an eviction, a flush, a swap, a rename
// or move — marks the watching clients, and their EXEC then answers a null reply. A key already
// expired when watched is remembered as such: its deletion by expiry is then no change.

final class WatchedKey {
    let place: DatabaseKey
    unowned let client: Client
    /// The key existed but was logically expired when WATCH ran.
    var expired: Bool

    init(place: DatabaseKey, client: Client, expired: Bool) {
        self.place = place
        self.client = client
        self.expired = expired
    }
}

final class WatchRegistry {
    private(set) var watchers: [DatabaseKey: [WatchedKey]] = [:]
    private var perDatabase: [Int: Int] = [:]

    var isActive: Bool { !watchers.isEmpty }

    func isWatched(inDatabase db: Int) -> Bool { perDatabase[db, default: 0] > 0 }

    /// Keys watched in database `db`, for flushes and swaps.
    func keys(inDatabase db: Int) -> [DatabaseKey] {
        guard isWatched(inDatabase: db) else { return [] }
        return watchers.keys.filter { $0.db == db }
    }

    func add(_ watched: WatchedKey) {
        if watchers[watched.place] == nil { perDatabase[watched.place.db, default: 0] += 1 }
        watchers[watched.place, default: []].append(watched)
    }

    func remove(_ watched: WatchedKey) {
        guard var list = watchers[watched.place] else { return }
        list.removeAll { $0 === watched }
        if list.isEmpty {
            watchers[watched.place] = nil
            perDatabase[watched.place.db, default: 1] -= 1
            if perDatabase[watched.place.db] == 0 { perDatabase[watched.place.db] = nil }
        } else {
            watchers[watched.place] = list
        }
    }
}

extension Server {
    /// watchForKey.
    func watch(_ key: UnsafeRawBufferPointer, for client: Client) {
        let place = DatabaseKey(db: client.databaseIndex, key: [UInt8](key))
        if client.watched.contains(where: { $0.place == place }) { return }
        let db = client.db
        let expired = db.expireTime(key).map { $0 < now } ?? false
        let watched = WatchedKey(place: place, client: client, expired: expired)
        client.watched.append(watched)
        watches.add(watched)
        updateKeyObservation()
    }

    /// unwatchAllKeys.
    func unwatchAll(_ client: Client) {
        guard !client.watched.isEmpty else { return }
        for watched in client.watched { watches.remove(watched) }
        client.watched.removeAll()
        updateKeyObservation()
    }

    /// touchWatchedKey: `key` of `db` changed.
    func touchWatchedKey(_ db: Database, _ key: UnsafeRawBufferPointer) {
        guard watches.isWatched(inDatabase: db.id),
              let list = watches.watchers[DatabaseKey(db: db.id, key: [UInt8](key))] else { return }
        for watched in list {
            if watched.expired {
                // An expired key now deleted: logically nothing changed.
                if db.find(key) == nil {
                    watched.expired = false
                    continue
                }
            }
            watched.client.watchedKeyTouched = true
            // Dirty already: watching further costs memory and time for nothing.
            unwatchAll(watched.client)
        }
    }

    /// touchAllWatchedKeysInDb: `emptied` is about to be flushed, or swapped with `replacement`.
    func touchAllWatchedKeys(in emptied: Database, replacedWith replacement: Database?) {
        for place in watches.keys(inDatabase: emptied.id) {
            let existsInEmptied = place.key.withUnsafeBytes { emptied.find($0) != nil }
            let existsInReplacement = replacement.map { db in place.key.withUnsafeBytes { db.find($0) != nil } } ?? false
            guard existsInEmptied || existsInReplacement, let list = watches.watchers[place] else { continue }
            let replacementExpired = replacement.map { db in
                place.key.withUnsafeBytes { key in db.expireTime(key).map { $0 < now } ?? false }
            } ?? false
            for watched in list {
                if watched.expired {
                    if !existsInReplacement {
                        watched.expired = false  // the expired key is deleted: no logical change
                        continue
                    } else if replacementExpired {
                        continue  // an expired key stays expired
                    }
                } else if !existsInEmptied && replacementExpired {
                    watched.expired = true  // a missing key replaced by an expired one
                    continue
                }
                watched.client.watchedKeyTouched = true
            }
        }
    }

    /// isWatchedKeyExpired: a key watched while alive has expired since (not yet deleted).
    func watchedKeyExpired(_ client: Client) -> Bool {
        for watched in client.watched where !watched.expired {
            let db = databases[watched.place.db]
            if let when = watched.place.key.withUnsafeBytes({ db.expireTime($0) }), when < now { return true }
        }
        return false
    }
}
