import Store

// How consumer-group changes reach replicas and the AOF (t_stream.c's streamPropagateXCLAIM,
// streamPropagateGroupID, streamPropagateConsumerCreation). XCLAIM, XAUTOCLAIM and XREADGROUP
// don't propagate themselves — their effect depends on idle times and on the stream's content
// at the time — but as the idempotent commands that recreate the resulting state.

extension Client {
    /// XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE JUSTID LASTID
    /// <group's last ID>: gives the replica the pending entry `id` as it now is (or, for an
    /// entry about to be dropped because the stream lost it, as it was).
    func propagateStreamClaim(key: UnsafeRawBufferPointer, group: StreamConsumerGroup,
                              groupName: UnsafeRawBufferPointer, id: StreamID, pending: StreamPendingEntry) {
        id.withText { text in
            propagateStreamClaim(key: key, group: group, groupName: groupName, idArgument: text, pending: pending)
        }
    }

    /// The same with the ID as the client wrote it: XCLAIM passes its own argument on.
    func propagateStreamClaim(key: UnsafeRawBufferPointer, group: StreamConsumerGroup,
                              groupName: UnsafeRawBufferPointer, idArgument: UnsafeRawBufferPointer,
                              pending: StreamPendingEntry) {
        alsoPropagate(count: 14) { out in
            out.append("XCLAIM")
            out.append(key)
            out.append(groupName)
            out.append(pending.consumer.name)
            out.append("0")
            out.append(idArgument)
            out.append("TIME")
            out.append(pending.deliveryTime)
            out.append("RETRYCOUNT")
            out.append(Int64(bitPattern: pending.deliveryCount))
            out.append("FORCE")
            out.append("JUSTID")
            out.append("LASTID")
            group.lastID.withText { out.append($0) }
        }
    }

    /// XGROUP SETID <key> <group> <last ID> ENTRIESREAD <entries read>: the group's position,
    /// when nothing else propagated carries it (XCLAIM LASTID alone, XREADGROUP NOACK).
    func propagateStreamGroupID(key: UnsafeRawBufferPointer, group: StreamConsumerGroup,
                                groupName: UnsafeRawBufferPointer) {
        alsoPropagate(count: 7) { out in
            out.append("XGROUP")
            out.append("SETID")
            out.append(key)
            out.append(groupName)
            group.lastID.withText { out.append($0) }
            out.append("ENTRIESREAD")
            out.append(group.entriesRead)
        }
    }

    /// XGROUP CREATECONSUMER <key> <group> <consumer>: a consumer created by a command that
    /// propagates nothing else that would create it (XREADGROUP NOACK).
    func propagateStreamCreateConsumer(key: UnsafeRawBufferPointer, groupName: UnsafeRawBufferPointer,
                                       consumerName: UnsafeRawBufferPointer) {
        alsoPropagate(count: 5) { out in
            out.append("XGROUP")
            out.append("CREATECONSUMER")
            out.append(key)
            out.append(groupName)
            out.append(consumerName)
        }
    }
}
