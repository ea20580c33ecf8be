import Glibc
import RESP
import Store
import Util

// DEBUG's reports on internals: SDSLEN, LISTPACK, QUICKLIST, STRUCTSIZE, HTSTATS, HTSTATS-KEY,
// CLIENT-EVICTION and STRINGMATCH-TEST. Where Apus's structures differ from Redis's, the figures
// are Apus's own in Redis's layout (see each function).

extension DebugCommand {
    /// DEBUG SDSLEN <key>: lengths and allocations of the key and its string value. Apus keeps no
    /// sds headers, so "avail" is always 0 and the allocations are Apus's (StringAllocation.swift).
    static func sdsLength(_ c: Client) {
        let key = c.arg(2)
        // dictFind, as DEBUG OBJECT: a logically expired key is still there.
        guard let object = c.db.find(key) else {
            c.error(ErrorText.noSuchKey)
            return
        }
        guard object.type == .string, object.encoding != .int else {
            c.error(ErrorText.debugNotSDS)
            return
        }
        let sizes = MemoryUsage.stringAllocation(object, keyLength: key.count)
        c.reply.simple("key_sds_len:\(key.count), key_sds_avail:0, key_zmalloc: \(sizes.key), val_sds_len:\(object.stringLength), val_sds_avail:0, val_zmalloc: \(sizes.value)")
    }

    /// objectCommandLookupOrReply: a read lookup that leaves the access clock alone.
    private static func inspected(_ c: Client) -> RedisObject? {
        guard let object = c.lookupNoTouch(c.arg(2)) else {
            c.error(ErrorText.noSuchKey)
            return nil
        }
        return object
    }

    /// DEBUG LISTPACK <key>: lpRepr on stdout, a status reply.
    static func listpack(_ c: Client) {
        guard let object = inspected(c) else { return }
        guard object.encoding == .listpack else {
            c.error(ErrorText.debugNotListpack)
            return
        }
        var out = ""
        describe(unsafeDowncast(object.payload!, to: Listpack.self), into: &out)
        emit(out)
        c.reply.simple("Listpack structure printed on stdout")
    }

    /// DEBUG QUICKLIST <key> [0|1]: quicklistRepr on stdout (with 1, every node's entries too).
    static func quicklist(_ c: Client) {
        guard let object = inspected(c) else { return }
        let full = c.argumentCount == 4 ? atoi(c.argString(3)) != 0 : false
        guard object.encoding == .quicklist else {
            c.error(ErrorText.debugNotQuicklist)
            return
        }
        let list = ListType.quicklist(object)
        var out = "{count : \(list.count)}\n{len : \(list.nodeCount)}\n{fill : \(list.fill)}\n"
        out += "{compress : \(list.compressDepth)}\n{bookmark_count : 0}\n"
        var node = list.head
        var index = 0
        while let current = node {
            out += "{quicklist node(\(index))\n"
            out += "{container : \(current.isPlain ? "PLAIN" : "PACKED"), encoding: \(current.isCompressed ? "LZF" : "RAW"), "
            out += "size: \(current.payloadSize), count: \(current.count), recompress: 0, attempted_compress: 0}\n"
            if full {
                if current.isPlain {
                    let entries = current.entries
                    let text = entries.withElement(at: entries.firstOffset) { String(decoding: $0.array, as: UTF8.self) }
                    out += "{ entry : \(text) }\n"
                } else {
                    out += "{ listpack:\n"
                    describe(current.entries, into: &out)
                    out += "}\n"
                }
                out += "}\n"
            }
            index += 1
            node = current.next
        }
        emit(out)
        c.reply.simple("Quicklist structure printed on stdout")
    }

    /// lpRepr's outline: the listpack's size and count, then each entry's offset and value.
    private static func describe(_ pack: Listpack, into out: inout String) {
        out += "{total bytes \(pack.byteCount)} {num entries \(pack.count)}\n"
        var index = 0
        pack.forEach { offset, value in
            out += "{\n\tindex: \(index),\n\toffset: \(offset),\n\tvalue: \(String(decoding: value.array, as: UTF8.self))\n}\n"
            index += 1
        }
        out += "{end}\n\n"
    }

    private static func emit(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }

    /// DEBUG STRUCTSIZE: Apus's sizes under Redis's names — the value handle for robj, one
    /// bucket slot (a pointer) for dictentry; Apus stores strings without sds headers, so those
    /// are 0.
    static func structSize(_ c: Client) {
        let handle = MemoryLayout<RedisObject>.size
        let slot = MemoryLayout<UnsafeRawPointer>.size
        c.reply.bulk("bits:\(MemoryLayout<Int>.size * 8) robj:\(handle) dictentry:\(slot) sdshdr5:0 sdshdr8:0 sdshdr16:0 sdshdr32:0 sdshdr64:0 ")
    }

    /// DEBUG HTSTATS <dbid>.
    static func hashTableStats(_ c: Client) {
        guard let index = c.integerArgument(2) else { return }
        guard index >= 0 && index < Int64(c.server.databases.count) else {
            c.error(ErrorText.debugDatabaseOutOfRange)
            return
        }
        c.reply.verbatim(c.server.databases[Int(index)].statsText())
    }

    /// DEBUG HTSTATS-KEY <key>: a hashtable-encoded hash or set, or a skiplist zset's table.
    static func hashTableStatsOfKey(_ c: Client) {
        guard let object = inspected(c) else { return }
        let text: String
        switch (object.type, object.encoding) {
        case (.zset, .skiplist): text = ZSetType.skiplist(object).statsText()
        case (.hash, .hashtable): text = HashType.table(object).statsText()
        case (.set, .hashtable): text = SetType.table(object).statsText()
        default:
            c.error(ErrorText.debugNotHashTable)
            return
        }
        c.reply.verbatim(text)
    }

    /// DEBUG CLIENT-EVICTION: the clients maxmemory-clients may evict (normal and pub/sub ones
    /// without no-evict) in Redis's power-of-two memory buckets, measured now with CLIENT LIST's
    /// tot-mem.
    static func clientEviction(_ c: Client) {
        let server = c.server
        guard server.config.int("maxmemory-clients") != 0 else {
            c.error(ErrorText.debugClientEvictionDisabled)
            return
        }
        let minimumLog = ClientMemoryAccounting.minimumBucketLog
        let bucketCount = ClientMemoryAccounting.maximumBucketLog - minimumLog + 1
        var memory = [Int](repeating: 0, count: bucketCount)
        var clients = [Int](repeating: 0, count: bucketCount)
        // The buckets hold the figures as last measured, as Redis's do.
        for client in server.allClients where client.isEvictable {
            let bucket = ClientMemoryAccounting.bucket(of: client.countedMemory)
            memory[bucket] += client.countedMemory
            clients[bucket] += 1
        }
        var out = ""
        for j in 0..<bucketCount {
            out += j == 0 ? "bucket          0" : "bucket " + pad(1 << (j - 1 + minimumLog))
            out += j == bucketCount - 1 ? "+            : " : " - " + pad((1 << (j + minimumLog)) - 1) + ": "
            out += "tot-mem: \(pad(memory[j])), clients: \(clients[j])\n"
        }
        c.reply.verbatim(out)
    }

    /// %10zu.
    private static func pad(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: " ", count: max(0, 10 - digits.count)) + digits
    }

    /// DEBUG STRINGMATCH-TEST: stringmatchlen_fuzz_test against the glob matcher — random
    /// patterns and strings of up to 31 bytes below 128, to show that none crashes it.
    static func stringMatchTest(_ c: Client) {
        var pattern = [UInt8](repeating: 0, count: 32)
        var string = [UInt8](repeating: 0, count: 32)
        var matches = 0
        for _ in 0..<10_000_000 {
            let stringLength = Int(random() % 32), patternLength = Int(random() % 32)
            for j in 0..<stringLength { string[j] = UInt8(random() % 128) }
            for j in 0..<patternLength { pattern[j] = UInt8(random() % 128) }
            let matched = pattern.withUnsafeBytes { p in
                string.withUnsafeBytes { s in
                    globMatch(pattern: UnsafeRawBufferPointer(rebasing: p[..<patternLength]),
                              string: UnsafeRawBufferPointer(rebasing: s[..<stringLength]), noCase: false)
                }
            }
            if matched { matches += 1 }
        }
        emit("Total matches: \(matches)\n")
        c.reply.simple("Apparently Redis did not crash: test passed")
    }
}
