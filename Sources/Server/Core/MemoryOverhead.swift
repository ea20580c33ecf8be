import RESP
import Store

// Where used_memory goes, after Redis's getMemoryOverheadData: the start-up baseline, client
// buffers and each database's table and expires index are overhead; the rest is the dataset.
// INFO memory, MEMORY STATS and MEMORY DOCTOR read the same figures.

struct MemoryOverhead {
    struct DatabaseOverhead {
        let id: Int
        /// The keyspace table's buckets plus each record's header (Redis: dictEntry + robj).
        let main: Int64
        /// The expires index plus each TTL's slot in its record.
        let expires: Int64
    }

    let figures: MemoryFigures
    let peak: Int64
    let startup: Int64
    let clientsNormal: Int64
    let databases: [DatabaseOverhead]
    let keys: Int64

    var total: Int64 { figures.used }
    var overheadTotal: Int64 { startup + clientsNormal + databases.reduce(0) { $0 + $1.main + $1.expires } }
    var dataset: Int64 { max(0, total - overheadTotal) }
    var netUsage: Int64 { total > startup ? total - startup : 1 }
    var datasetPercent: Float { Float(dataset) * 100 / Float(netUsage) }
    var peakPercent: Float { Float(total) * 100 / Float(max(peak, 1)) }
    var bytesPerKey: Int64 { keys > 0 ? (total - startup) / keys : 0 }
    var allocatorFragmentation: Float { Float(figures.active) / Float(max(figures.allocated, 1)) }
    var allocatorFragmentationBytes: Int64 { figures.active - figures.allocated }
    var allocatorRSS: Float { Float(figures.rss) / Float(max(figures.active, 1)) }
    var allocatorRSSBytes: Int64 { figures.rss - figures.active }
    /// Apus's allocators are all it has: no RSS beyond what they hold is attributed elsewhere.
    var rssOverhead: Float { 1 }
    var rssOverheadBytes: Int64 { 0 }
    var fragmentation: Float { Float(figures.rss) / Float(max(total, 1)) }
    var fragmentationBytes: Int64 { figures.rss - total }
}

extension Server {
    /// Output and query buffer bytes of normal clients (mem_clients_normal).
    var clientBufferBytes: Int64 {
        var bytes: Int64 = 0
        for client in clientsByFD where client != nil {
            bytes += Int64(client!.query.capacity + max(client!.reply.pendingBytes, ReplyBuffer.chunkSize))
        }
        return bytes
    }

    func memoryOverhead() -> MemoryOverhead {
        let figures = MemoryFigures.current()
        peakMemory = max(peakMemory, figures.used)
        var overheads: [MemoryOverhead.DatabaseOverhead] = []
        var keys: Int64 = 0
        for db in databases where db.count > 0 {
            keys += Int64(db.count)
            overheads.append(.init(id: db.id,
                                   main: Int64(db.tableBytes + db.count * KeyRecord.fixedSize),
                                   expires: Int64(db.expiresBytes + db.expiresCount * KeyRecord.expireSlotSize)))
        }
        return MemoryOverhead(figures: figures, peak: peakMemory, startup: startupMemory,
                              clientsNormal: clientBufferBytes, databases: overheads, keys: keys)
    }
}
