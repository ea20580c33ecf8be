import Store

// rewriteStreamObject (aof.c, 7.0): one XADD per live entry with its explicit ID (an empty stream
// is made by XADD MAXLEN 0 with 0-1), XSETID with the counters, then per group XGROUP CREATE
// with ENTRIESREAD, an XCLAIM ... FORCE per pending entry of each consumer, and XGROUP
// CREATECONSUMER for consumers with nothing pending.

extension AOFCommandWriter {
    mutating func bulk(_ id: StreamID) { id.withText { bulk($0) } }

    mutating func rewriteStream(_ stream: Stream, key: UnsafeRawBufferPointer) {
        if stream.length > 0 {
            stream.forEachEntry(from: .zero, to: .max) { entry in
                header(3 + entry.fieldCount * 2)
                bulk("XADD")
                bulk(key)
                bulk(entry.id)
                entry.forEachPair { field, value in
                    bulk(field)
                    bulk(value)
                }
                return true
            }
        } else {
            header(7)
            bulk("XADD")
            bulk(key)
            bulk("MAXLEN")
            bulk("0")
            bulk(StreamID(ms: 0, seq: 1))
            bulk("x")
            bulk("y")
        }

        header(7)
        bulk("XSETID")
        bulk(key)
        bulk(stream.lastID)
        bulk("ENTRIESADDED")
        bulk(Int64(bitPattern: stream.entriesAdded))
        bulk("MAXDELETEDID")
        bulk(stream.maxDeletedEntryID)

        stream.groups.forEach { name, group in
            name.bytes.withUnsafeBytes { groupName in
                header(7)
                bulk("XGROUP")
                bulk("CREATE")
                bulk(key)
                bulk(groupName)
                bulk(group.lastID)
                bulk("ENTRIESREAD")
                bulk(group.entriesRead)
                group.consumers.forEach { _, consumer in
                    consumer.name.withUnsafeBytes { consumerName in
                        if consumer.pending.isEmpty {
                            header(5)
                            bulk("XGROUP")
                            bulk("CREATECONSUMER")
                            bulk(key)
                            bulk(groupName)
                            bulk(consumerName)
                            return
                        }
                        consumer.pending.forEach { id, entry in
                            header(12)
                            bulk("XCLAIM")
                            bulk(key)
                            bulk(groupName)
                            bulk(consumerName)
                            bulk("0")
                            bulk(id)
                            bulk("TIME")
                            bulk(entry.deliveryTime)
                            bulk("RETRYCOUNT")
                            bulk(Int64(bitPattern: entry.deliveryCount))
                            bulk("JUSTID")
                            bulk("FORCE")
                            return true
                        }
                    }
                    return true
                }
            }
            return true
        }
    }
}
