import Store

// Clients blocked in XREAD/XREADGROUP (blocked.c's serveClientsBlockedOnStreamKey and
// unblockDeletedStreamReadgroupClients, Redis 7.0.15). A ready stream serves, first come first
// served, each reader it has something for: an XREAD reader when the stream's last ID passed
// the one it waits after, an XREADGROUP reader when it passed its group's last delivered ID. An
// XREADGROUP wait depends on the key and the group existing, so a destroyed group ends it with
// -NOGROUP, and a deleted or overwritten stream with -UNBLOCKED as soon as it happens: while any
// such reader waits, the keyspace's change hook reports a stream key that no longer holds a
// stream (signalDeletedKeyAsReady).

/// What a blocked XREAD/XREADGROUP serves once a key is ready.
struct StreamReadWait {
    /// Per blocked key (BlockedState.keys, same order): the ID to read after, `$` resolved when
    /// blocking. An XREADGROUP reads after its group's last ID instead.
    let ids: [StreamID]
    /// COUNT, or XREAD_BLOCKED_DEFAULT_COUNT when none was given.
    let count: Int
    /// XREADGROUP's group and consumer names; nil for XREAD.
    let group: [UInt8]?
    let consumer: [UInt8]
    let noAck: Bool

    /// A blocked read without COUNT is served at most this many entries per key.
    static let defaultCount = 1000
}

extension Server {
    /// serveClientsBlockedOnStreamKey.
    func serveStreamReaders(_ clients: [Client], key: UnsafeRawBufferPointer, stream: Stream) {
        for receiver in clients {
            guard let state = receiver.blocked, case .streamRead(let wait) = state.operation,
                  let index = state.keys.firstIndex(where: { $0.elementsEqual(key) }) else { continue }
            var after = wait.ids[index]
            var group: StreamConsumerGroup?
            if let groupName = wait.group {
                group = groupName.withUnsafeBytes { stream.group(named: $0) }
                guard let group else {
                    endStreamRead(receiver, ErrorText.blockedGroupDestroyed)
                    continue
                }
                after = group.lastID
            }
            guard stream.lastID > after else { continue }
            withExecutionUnit(for: receiver) {
                if receiver.reply.resp3 {
                    receiver.reply.mapHeader(1)
                } else {
                    receiver.reply.arrayHeader(1)
                    receiver.reply.arrayHeader(2)
                }
                receiver.reply.bulk(key)
                // `after` is below the stream's last ID, so it has a successor.
                let start = after.successor!
                if let group, let groupName = wait.group {
                    groupName.withUnsafeBytes { name in
                        wait.consumer.withUnsafeBytes { consumerName in
                            let consumer = receiver.streamConsumer(group, named: consumerName, key: key,
                                                                   groupName: name, noAck: wait.noAck)
                            receiver.deliverStreamEntries(stream, key: key, from: start, count: wait.count,
                                                          group: group, groupName: name, consumer: consumer,
                                                          noAck: wait.noAck, into: receiver.reply)
                        }
                    }
                } else {
                    receiver.reply.streamEntries(stream, from: start, count: wait.count)
                }
            }
            unblock(receiver)
        }
    }

    /// unblockDeletedStreamReadgroupClients: the key no longer holds a stream.
    func unblockStreamGroupReaders(_ clients: [Client]) {
        for receiver in clients where receiver.blocked?.operation.readsStreamGroup == true {
            endStreamRead(receiver, ErrorText.blockedStreamDeleted)
        }
    }

    /// Ends a blocked read with an error, counted as its command's failure (updateStatsOnUnblock).
    private func endStreamRead(_ receiver: Client, _ text: StaticString) {
        receiver.error(text)
        receiver.lastCommand?.stats.failedCalls += 1
        unblock(receiver)
    }

    /// signalDeletedKeyAsReady, from the keyspace's change hook while XREADGROUP readers wait:
    /// `key` changed, and if it no longer holds a stream, readers waiting on it must hear so.
    func streamKeyChanged(_ db: Database, _ key: UnsafeRawBufferPointer) {
        if let object = db.find(key), object.type == .stream { return }
        blocking.signal(db: db.id, key: key)
    }
}
