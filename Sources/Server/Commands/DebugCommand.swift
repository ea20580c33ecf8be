import Glibc
import Persistence
import RESP
import Store
import Util

// DEBUG, as Redis 7.0.15's debugCommand: the dispatch table and the data subcommands (DIGEST,
// RELOAD, OBJECT, PROTOCOL...). Crashes and restarts are in DebugCommand+Crash.swift, the
// internals reports in DebugCommand+Internals.swift, the switches in DebugCommand+Switches.swift.
// Gated by enable-debug-command, as in Redis.

enum DebugCommand {
    static let handlers: [String: CommandHandler] = ["debug": debug]

    /// A subcommand: the argument counts it accepts (Redis's `c->argc == n` tests; a count it
    /// refuses gets the unknown-subcommand error) and its handler.
    struct Subcommand {
        let accepts: (Int) -> Bool
        let run: (Client) -> Void

        init(_ accepts: @escaping (Int) -> Bool, _ run: @escaping (Client) -> Void) {
            self.accepts = accepts
            self.run = run
        }
    }

    static func exactly(_ n: Int) -> (Int) -> Bool { { $0 == n } }
    static func atLeast(_ n: Int) -> (Int) -> Bool { { $0 >= n } }
    static let any: (Int) -> Bool = { _ in true }

    /// Every subcommand of Redis 7.0.15's debugCommand, keyed by its lower-cased name.
    static let subcommands: [String: Subcommand] = [
        "help": Subcommand(exactly(2)) { ObjectCommand.replyHelp($0, HelpText.debug) },
        "segfault": Subcommand(any, segfault),
        "panic": Subcommand(any, panic),
        "restart": Subcommand(any) { restart($0, graceful: true) },
        "crash-and-recover": Subcommand(any) { restart($0, graceful: false) },
        "oom": Subcommand(any, outOfMemory),
        "assert": Subcommand(any, assertionFailed),
        "log": Subcommand(exactly(3), log),
        "leak": Subcommand(exactly(3), leak),
        "reload": Subcommand(any, reload),
        "loadaof": Subcommand(any) { c in if c.server.debugLoadAOF() { c.reply.ok() } },
        "drop-cluster-packet-filter": Subcommand(exactly(3), dropClusterPacketFilter),
        "object": Subcommand(exactly(3), object),
        "sdslen": Subcommand(exactly(3), sdsLength),
        "listpack": Subcommand(exactly(3), listpack),
        "quicklist": Subcommand({ $0 == 3 || $0 == 4 }, quicklist),
        "populate": Subcommand({ $0 >= 3 && $0 <= 5 }, populate),
        "digest": Subcommand(exactly(2)) { c in
            c.reply.simple(DatasetDigest.hex(DatasetDigest.dataset(c.server.databases)))
        },
        "digest-value": Subcommand(atLeast(2), digestValue),
        "protocol": Subcommand(exactly(3), protocolSample),
        "sleep": Subcommand(exactly(3), sleep),
        "set-active-expire": Subcommand(exactly(3)) { c in
            c.server.activeExpireEnabled = atoi(c.argString(2)) != 0
            c.reply.ok()
        },
        "quicklist-packed-threshold": Subcommand(exactly(3), quicklistPackedThreshold),
        "set-skip-checksum-validation": Subcommand(exactly(3)) { c in
            c.server.debug.skipChecksumValidation = atoi(c.argString(2)) != 0
            c.reply.ok()
        },
        "aof-flush-sleep": Subcommand(exactly(3)) { c in
            c.server.debug.aofFlushSleepMicroseconds = atoi(c.argString(2))
            c.reply.ok()
        },
        "replicate": Subcommand(atLeast(3), replicate),
        "error": Subcommand(exactly(3), error),
        "structsize": Subcommand(exactly(2), structSize),
        "htstats": Subcommand(exactly(3), hashTableStats),
        "htstats-key": Subcommand(exactly(3), hashTableStatsOfKey),
        "change-repl-id": Subcommand(exactly(2), changeReplicationID),
        "stringmatch-test": Subcommand(exactly(2), stringMatchTest),
        "set-disable-deny-scripts": Subcommand(exactly(3)) { c in
            c.server.debug.scriptDisableDenyScript = atoi(c.argString(2)) != 0
            c.reply.ok()
        },
        "config-rewrite-force-all": Subcommand(exactly(2), configRewriteForceAll),
        "client-eviction": Subcommand(exactly(2), clientEviction),
        // MALLCTL and MALLCTL-STR exist only in a jemalloc build; Apus answers as a libc one.
        "pause-cron": Subcommand(exactly(3)) { c in
            c.server.debug.pauseCron = atoi(c.argString(2)) != 0
            c.reply.ok()
        },
        "replybuffer": Subcommand(exactly(4), replyBuffer),
        "clusterlink": Subcommand(exactly(5), clusterLink),
    ]

    static func debug(_ c: Client) {
        guard let sub = subcommands[c.argString(1).lowercased()], sub.accepts(c.argumentCount) else {
            c.error(ErrorText.debugUnknownSubcommand(c.argString(1)))
            return
        }
        sub.run(c)
    }

    static func sleep(_ c: Client) {
        let seconds = strtod(c.argString(2), nil)
        let micros = Int64(seconds * 1_000_000)
        if micros > 0 { usleep(useconds_t(clamping: micros)) }
        c.reply.ok()
    }

    /// DEBUG DIGEST-VALUE: the keys' digests, logically expired ones included.
    static func digestValue(_ c: Client) {
        c.reply.arrayHeader(c.argumentCount - 2)
        for index in 2..<c.argumentCount {
            var digest = [UInt8](repeating: 0, count: 20)
            if let object = c.db.find(c.arg(index)) { DatasetDigest.value(object, into: &digest) }
            c.reply.simple(DatasetDigest.hex(digest))
        }
    }

    /// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the dataset, load the file again.
    /// MERGE lets the file's keys replace existing ones; NOFLUSH keeps the dataset first (a key
    /// in both is then an error; Redis panics there).
    static func reload(_ c: Client) {
        var flush = true
        var save = true
        var merge = false
        for index in 2..<max(2, c.argumentCount) {
            if c.argIs(index, "merge") {
                merge = true
            } else if c.argIs(index, "noflush") {
                flush = false
            } else if c.argIs(index, "nosave") {
                save = false
            } else {
                c.error(ErrorText.debugReloadOptions)
                return
            }
        }
        let path = c.server.config.string("dbfilename")
        // rdbSave's bookkeeping too: the dataset counts as saved (dirty 0, LASTSAVE now).
        if save && !c.server.saveInForeground() {
            c.error(ErrorText.genericError)
            return
        }
        do {
            try c.server.loadRDB(from: path, flush: flush, replaceExisting: merge)
        } catch {
            c.error(ErrorText.rdbLoadFailed)
            c.server.logger.warning("\(error)")
            return
        }
        c.server.logger.warning("DB reloaded by DEBUG RELOAD")
        c.reply.ok()
    }

    /// DEBUG OBJECT <key>: found as dictFind finds it, logically expired or not.
    static func object(_ c: Client) {
        guard let object = c.db.find(c.arg(2)) else {
            c.error(ErrorText.noSuchKey)
            return
        }
        let address = String(UInt(bitPattern: object.record), radix: 16)
        let idle = LRUClock.idleMilliseconds(object.lru) / 1000
        c.reply.simple("Value at:0x\(address) refcount:\(object.refcount) encoding:\(object.encoding.name) serializedlength:\(RDBEncoder.serializedLength(object, compression: c.server.config.bool("rdbcompression"))) lru:\(object.lru) lru_seconds_idle:\(idle)\(quicklistFigures(object))")
    }

    /// DEBUG OBJECT's extra fields for a quicklist: nodes, elements per node, fill, whether
    /// compression is on and the nodes' uncompressed bytes (quicklistNode.sz summed).
    static func quicklistFigures(_ object: RedisObject) -> String {
        guard object.encoding == .quicklist else { return "" }
        let list = ListType.quicklist(object)
        var size = 0
        var node = list.head
        while let current = node {
            size += current.payloadSize
            node = current.next
        }
        let average = TableStats.fixed2(Double(list.count) / Double(list.nodeCount))
        return " ql_nodes:\(list.nodeCount) ql_avg_node:\(average) ql_listpack_max:\(list.fill) ql_compressed:\(list.compressDepth != 0 ? 1 : 0) ql_uncompressed_size:\(size)"
    }

    static func protocolSample(_ c: Client) {
        let reply = c.reply
        if c.argIs(2, "string") {
            reply.bulk("Hello World" as StaticString)
        } else if c.argIs(2, "integer") {
            reply.integer(12345)
        } else if c.argIs(2, "double") {
            reply.double(3.141)
        } else if c.argIs(2, "bignum") {
            reply.bigNumber("1234567999999999999999999999999999999")
        } else if c.argIs(2, "null") {
            reply.nullBulk()
        } else if c.argIs(2, "array") {
            reply.arrayHeader(3)
            for value in 0..<3 { reply.integer(value) }
        } else if c.argIs(2, "set") {
            reply.setHeader(3)
            for value in 0..<3 { reply.integer(value) }
        } else if c.argIs(2, "map") {
            reply.mapHeader(3)
            for value in 0..<3 {
                reply.integer(value)
                reply.boolean(value == 1)
            }
        } else if c.argIs(2, "attrib") {
            if reply.resp3 {
                reply.attributeHeader(1)
                reply.bulk("key-popularity" as StaticString)
                reply.arrayHeader(2)
                reply.bulk("key:123" as StaticString)
                reply.integer(90)
            }
            reply.bulk("Some real reply following the attribute" as StaticString)
        } else if c.argIs(2, "push") {
            if !reply.resp3 {
                c.error("ERR RESP2 is not supported by this command")
                return
            }
            reply.pushHeader(2)
            reply.bulk("server-cpu-usage" as StaticString)
            reply.integer(42)
            reply.bulk("Some real reply following the push reply" as StaticString)
        } else if c.argIs(2, "true") {
            reply.boolean(true)
        } else if c.argIs(2, "false") {
            reply.boolean(false)
        } else if c.argIs(2, "verbatim") {
            reply.verbatim("This is a verbatim\nstring")
        } else {
            c.error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
        }
    }
}
