import Store

// TEMPORARY stand-ins for the consumer-group engineer's StreamPropagation.swift (same names and
// shapes), until it lands on main; delete this file when merging it. t_stream.c's
// streamPropagateXCLAIM, streamPropagateGroupID and streamPropagateConsumerCreation.

extension Client {
    /// XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <count> FORCE JUSTID LASTID <group-last-id>
    func propagateStreamClaim(key: UnsafeRawBufferPointer, group: StreamConsumerGroup,
                              groupName: UnsafeRawBufferPointer, id: StreamID, pending: StreamPendingEntry) {
        alsoPropagate(count: 14) { arguments in
            arguments.append("XCLAIM")
            arguments.append(key)
            arguments.append(groupName)
            arguments.append(pending.consumer.name)
            arguments.append("0")
            id.withText { arguments.append($0) }
            arguments.append("TIME")
            arguments.append(pending.deliveryTime)
            arguments.append("RETRYCOUNT")
            arguments.append(Int64(bitPattern: pending.deliveryCount))
            arguments.append("FORCE")
            arguments.append("JUSTID")
            arguments.append("LASTID")
            group.lastID.withText { arguments.append($0) }
        }
    }

    /// XGROUP SETID <key> <group> <last-id> ENTRIESREAD <entries-read>
    func propagateStreamGroupID(key: UnsafeRawBufferPointer, group: StreamConsumerGroup,
                                groupName: UnsafeRawBufferPointer) {
        alsoPropagate(count: 7) { arguments in
            arguments.append("XGROUP")
            arguments.append("SETID")
            arguments.append(key)
            arguments.append(groupName)
            group.lastID.withText { arguments.append($0) }
            arguments.append("ENTRIESREAD")
            arguments.append(group.entriesRead)
        }
    }

    /// XGROUP CREATECONSUMER <key> <group> <consumer>
    func propagateStreamCreateConsumer(key: UnsafeRawBufferPointer, groupName: UnsafeRawBufferPointer,
                                       consumerName: UnsafeRawBufferPointer) {
        alsoPropagate(count: 5) { arguments in
            arguments.append("XGROUP")
            arguments.append("CREATECONSUMER")
            arguments.append(key)
            arguments.append(groupName)
            arguments.append(consumerName)
        }
    }
}
