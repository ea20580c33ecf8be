import Store

// The one API through which a command declares what it did, beyond its reply (Redis's
// server.dirty++, signalModifiedKey, notifyKeyspaceEvent, rewriteClientCommandVector,
// alsoPropagate, preventCommandPropagation):
// - `markDirty`: the dataset changed; the command is propagated as it was called, or as rewritten;
// - `signalModified`: a key's value changed (WATCH, client tracking, blocked clients hang off
//   it; Database signals by itself for what it stores, deletes, expires and renames);
// - `notify`: a keyspace event (KeyspaceEvents.swift);
// - `propagateAs` / `alsoPropagate` / `preventPropagation`: what goes to the AOF and replicas.

extension Client {
    /// Counts `count` changes to the dataset (Redis's server.dirty += count).
    @inline(__always)
    func markDirty(_ count: Int64 = 1) { withServer { $0.dirty &+= count } }

    /// signalModifiedKey for a value changed in place (the Database signals its own writes).
    @inline(__always)
    func signalModified(_ key: UnsafeRawBufferPointer) {
        withDatabase { $0.signalModified(key) }
    }

    /// The running command propagates as these `count` arguments instead of its own (SET ... EX
    /// → SET ... PXAT, EXPIRE → PEXPIREAT, INCRBYFLOAT → SET ... KEEPTTL). Only takes effect if
    /// the command also marks the dataset dirty.
    func propagateAs(count: Int, _ build: (inout PropagatedArguments) -> Void) {
        withServer { server in
            guard server.propagation.isConsumed else { return }
            server.propagation.setRewrite(count: count, build)
            _ = server.callEffects.insert(.rewritten)
        }
    }

    /// alsoPropagate: one more command in the running unit, in order, against this client's
    /// database (or `db`). Used with `preventPropagation` when a command propagates as several
    /// (SPOP with a count → SREMs) or from outside a call (a served blocked client).
    func alsoPropagate(count: Int, db: Int? = nil, _ build: (inout PropagatedArguments) -> Void) {
        let target = db ?? databaseIndex
        withServer { $0.propagation.append(db: target, count: count, build) }
    }

    /// preventCommandPropagation: the running command's own arguments are not propagated.
    func preventPropagation() {
        withServer { _ = $0.callEffects.insert(.preventPropagation) }
    }
}
