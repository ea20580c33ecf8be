import Config
import Reactor
import Store
import Util

// Blocking and unblocking clients, and serving them (blocked.c's blockForKeys, unblockClient,
// handleClientsBlockedOnKeys and replyToBlockedClientTimedOut, Redis 7.0).

extension Server {
    /// blockForKeys: `client` waits on the keys at argument indexes `keyIndexes` until one is
    /// ready, `timeout` milliseconds pass (0: forever), or it is unblocked.
    func block(_ client: Client, keyIndexes: [Int], operation: BlockedOperation, timeout: Int64) {
        var keys: [[UInt8]] = []
        keys.reserveCapacity(keyIndexes.count)
        for index in keyIndexes {
            let key = client.argBytes(index)
            if !keys.contains(key) { keys.append(key) }
        }
        let state = BlockedState(operation: operation, keys: keys, db: client.databaseIndex, hasTimeout: timeout > 0)
        blocking.add(client, state)
        if operation.readsStreamGroup { updateKeyObservation() }
        if timeout > 0 {
            state.timer = loop.timers.schedule(at: EventLoop.monotonicMilliseconds() &+ timeout) { [unowned self] in
                guard client.blocked === state else { return }
                self.replyTimedOut(client)
            }
        }
    }

    /// replyToBlockedClientTimedOut + unblockClient.
    func replyTimedOut(_ client: Client) {
        if case .replicas(let offset, _) = client.blocked?.operation {
            client.reply.integer(replicasAcknowledging(offset))
            replication.waitingClients.removeAll { $0 === client }
        } else {
            client.reply.nullArray()
        }
        unblock(client)
    }

    /// unblockClient: forgets the wait and queues the client so the input that arrived while it
    /// was blocked is processed (before-sleep).
    func unblock(_ client: Client) {
        guard let state = client.blocked else { return }
        if let timer = state.timer { loop.timers.cancel(timer) }
        blocking.remove(client)
        if state.operation.readsStreamGroup { updateKeyObservation() }
        if client.controls.reply.rawValue != 0 { replyCommandCompleted(client) }
        blocking.unblocked.append(client)
        queueWrite(client)
    }

    /// A blocked client is going away: it leaves nothing behind.
    func forgetBlockedClient(_ client: Client) {
        guard let state = client.blocked else { return }
        if case .replicas = state.operation { replication.waitingClients.removeAll { $0 === client } }
        if let timer = state.timer { loop.timers.cancel(timer) }
        blocking.remove(client)
        if state.operation.readsStreamGroup { updateKeyObservation() }
    }

    /// Runs after every command while some client is blocked: commands that bring a value to a
    /// key by other means than the list and sorted set commands (which signal themselves) make
    /// the key ready. The ready keys are served once the outermost command is done
    /// (processCommand), so a transaction is one unit for blocked clients. `changed`: the command
    /// changed the dataset.
    func signalKeysReadied(by command: Command, _ client: Client, changed: Bool) {
        switch command.fullName {
        case "rename", "renamenx":
            if client.argumentCount > 2 { blocking.signal(db: client.databaseIndex, key: client.arg(2)) }
        case "copy", "move":
            // The value may land in another database (COPY ... DB n, MOVE).
            let index = command.fullName == "copy" ? 2 : 1
            if client.argumentCount > index {
                for db in blocking.databasesWithWaiters { blocking.signal(db: db, key: client.arg(index)) }
            }
        case "swapdb":
            // scanDatabaseForReadyKeys: any waited-on key may now hold a value.
            for waited in blocking.waiting.keys {
                waited.key.withUnsafeBytes { blocking.signal(db: waited.db, key: $0) }
            }
        case "restore", "restore-asking":
            // dbAdd signals whatever type it adds.
            if changed { blocking.signal(db: client.databaseIndex, key: client.arg(1)) }
        case "flushall", "flushdb":
            // signalFlushedDb: the streams XREADGROUP clients wait on are gone.
            let all = command.fullName == "flushall"
            for waited in blocking.waiting.keys where all || waited.db == client.databaseIndex {
                waited.key.withUnsafeBytes { blocking.signal(db: waited.db, key: $0) }
            }
        default:
            break
        }
    }

    /// handleClientsBlockedOnKeys: serves ready keys in order until none is left (serving a
    /// BLMOVE can make its destination ready in turn).
    func serveReadyKeys() {
        while !blocking.readyKeys.isEmpty {
            let batch = blocking.readyKeys
            blocking.readyKeys.removeAll()
            blocking.readySet.removeAll()
            for ready in batch {
                let db = databases[ready.db]
                let found = ready.key.withUnsafeBytes { key in
                    db.lookup(key, now: now) { [unowned self] _ in self.stats.expiredKeys += 1 }
                }
                guard let clients = blocking.waiting[ready] else { continue }
                let isStream = found?.type == .stream
                if let found, isStream {
                    ready.key.withUnsafeBytes { serveStreamReaders(clients, key: $0, stream: StreamType.stream(found)) }
                }
                // A key that no longer holds a stream ends the XREADGROUP waits on it.
                if !isStream && blocking.streamGroupReaders != 0 { unblockStreamGroupReaders(clients) }
                guard let object = found, object.type == .list || object.type == .zset else { continue }
                for receiver in clients {
                    guard let state = receiver.blocked, state.operation.type == object.type else { continue }
                    let emptied = withExecutionUnit(for: receiver) {
                        ready.key.withUnsafeBytes { serve(receiver, state.operation, key: $0, object: object) }
                    }
                    unblock(receiver)
                    if emptied { break }
                }
            }
        }
    }

    /// serveClientBlockedOnList / the sorted set equivalent: runs the blocked command against
    /// the now-ready key for `receiver`, with the events and the propagation of its
    /// non-blocking form (outside a call, so propagated directly). Returns whether the value
    /// was emptied (and deleted).
    private func serve(_ receiver: Client, _ operation: BlockedOperation, key: UnsafeRawBufferPointer,
                       object: RedisObject) -> Bool {
        switch operation {
        case .replicas, .shutdown, .streamRead:
            return false
        case .listPop(let head, let count):
            if count == -1 {
                receiver.alsoPropagate(count: 2) { ListCommands.popArguments(&$0, key, head: head, count: nil) }
                let value = ListType.quicklist(object).pop(fromHead: head)!
                receiver.reply.arrayHeader(2)
                receiver.reply.bulk(key)
                receiver.reply.bulk(value)
                receiver.notify(KeyspaceEventFlags.list, head ? "lpop" : "rpop", key)
                ListCommands.deleteIfEmpty(receiver, key, object)
            } else {
                let popped = min(count, ListType.length(object))
                receiver.alsoPropagate(count: 3) { ListCommands.popArguments(&$0, key, head: head, count: popped) }
                ListCommands.popWithKey(receiver, key, object, head: head, count: count)
            }
            // An emptied value is deleted with its record: ask the keyspace, not the handle.
            return receiver.db.find(key) == nil
        case .listMove(let fromHead, let toHead, let destination, let sides):
            destination.withUnsafeBytes { destinationKey in
                let target = receiver.lookupWrite(destinationKey)
                if receiver.wrongType(target, .list) { return }
                let value = ListType.quicklist(object).pop(fromHead: fromHead)!
                value.withUnsafeBytes { ListCommands.pushMoved(receiver, destinationKey, target, $0, toHead: toHead) }
                // As LMOVE with Redis's shared "left"/"right" (serveClientBlockedOnList), or RPOPLPUSH.
                receiver.alsoPropagate(count: 3 + sides.count) { arguments in
                    arguments.append(sides.isEmpty ? "RPOPLPUSH" : "LMOVE")
                    arguments.append(key)
                    arguments.append(destinationKey)
                    if !sides.isEmpty {
                        arguments.append(fromHead ? "left" : "right")
                        arguments.append(toHead ? "left" : "right")
                    }
                }
                receiver.notify(KeyspaceEventFlags.list, fromHead ? "lpop" : "rpop", key)
                ListCommands.deleteIfEmpty(receiver, key, object)
            }
            return receiver.db.find(key) == nil
        case .zsetPop(let max, let count):
            let length = ZSetType.length(object)
            SortedSetCommands.popFrom(receiver, key: key, object: object, max: max, count: count,
                                      shape: count == -1 ? .withKey : .keyAndPairs)
            receiver.alsoPropagate(count: count == -1 ? 2 : 3) { arguments in
                SortedSetCommands.popArguments(&arguments, key, max: max, count: count == -1 ? nil : Swift.min(count, length))
            }
            return receiver.db.find(key) == nil
        }
    }

    /// Before-sleep: clients unblocked since the last loop run the input they received while
    /// blocked (processUnblockedClients).
    func processUnblockedClients() {
        while !blocking.unblocked.isEmpty {
            let batch = blocking.unblocked
            blocking.unblocked.removeAll()
            for client in batch where self.client(fd: client.fd) === client && client.blocked == nil {
                if client.query.readableCount > 0 { processInput(client) }
            }
        }
    }

    /// CLIENT UNBLOCK client-id [TIMEOUT|ERROR].
    static func clientUnblock(_ c: Client) {
        var withError = false
        if c.argumentCount == 4 {
            if c.argIs(3, "timeout") {
                withError = false
            } else if c.argIs(3, "error") {
                withError = true
            } else {
                c.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
                return
            }
        } else if c.argumentCount != 3 {
            c.error("ERR unknown subcommand or wrong number of arguments for '\(ErrorText.truncated(c.argString(1)))'. Try CLIENT HELP.")
            return
        }
        guard let id = c.integerArgument(2) else { return }
        let server = c.server
        guard let target = server.clientByID(id), target.blocked != nil else {
            c.reply.integer(0)
            return
        }
        if withError {
            target.error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
            server.unblock(target)
        } else {
            server.replyTimedOut(target)
        }
        c.reply.integer(1)
    }
}

extension Client {
    /// BLPOP/BRPOP/BZPOPMIN/BZPOPMAX key [key ...] timeout: the keys' argument indexes and the
    /// timeout; nil after replying the timeout's error.
    func blockingKeysAndTimeout() -> (keys: [Int], timeout: Int64)? {
        guard let timeout = timeoutArgument(argumentCount - 1) else { return nil }
        return (Array(1..<(argumentCount - 1)), timeout)
    }

    /// BLMPOP/BZMPOP timeout numkeys key [key ...] where [COUNT count]: the LMPOP/ZMPOP arguments
    /// from argument 2 on (`side` reads the where word), then the timeout; nil after replying.
    func blockingMultiPopArguments(side: (Client, Int) -> Bool?) -> (arguments: MultiPopArguments, timeout: Int64)? {
        guard let arguments = MultiPopArguments.parse(self, numberOfKeysAt: 2, side: side) else { return nil }
        guard let timeout = timeoutArgument(1) else { return nil }
        return (arguments, timeout)
    }

    /// getTimeoutFromObjectOrReply in seconds: argument `index` as milliseconds, 0 meaning
    /// forever. The product is truncated to a long long as C does, where a value out of range
    /// becomes LLONG_MIN, so huge timeouts (and inf) are "negative" just as in Redis.
    func timeoutArgument(_ index: Int) -> Int64? {
        guard let seconds = parseLongDouble(arg(index)) else {
            error(ErrorText.timeoutNotPositive)
            return nil
        }
        let milliseconds = seconds.secondsToMillisecondsTruncated
        if milliseconds < 0 {
            error("ERR timeout is negative")
            return nil
        }
        return milliseconds
    }
}
