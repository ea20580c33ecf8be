import Config
import Glibc
import RESP
import Store
import Util

// DEBUG's actions on the server: POPULATE, REPLICATE, CHANGE-REPL-ID, ERROR, LEAK, LOG,
// CONFIG-REWRITE-FORCE-ALL, and the switches with arguments (QUICKLIST-PACKED-THRESHOLD,
// DROP-CLUSTER-PACKET-FILTER, REPLYBUFFER, CLUSTERLINK). The 0|1 switches are in the table.

extension DebugCommand {
    /// DEBUG POPULATE <count> [<prefix>] [<size>]: string keys <prefix>:<n> (127 bytes at most,
    /// as Redis's buffer) holding "value:<n>", or that text cut or zero-padded to <size> bytes.
    /// Existing keys are left alone. Nothing is propagated or counted as dirty.
    static func populate(_ c: Client) {
        guard let count = positiveArgument(c, 2) else { return }
        var size: Int64 = 0
        if c.argumentCount == 5 {
            guard let parsed = positiveArgument(c, 4) else { return }
            size = parsed
        }
        let prefix = c.argumentCount == 3 ? Array("key".utf8) : Array(c.arg(3))
        var j: Int64 = 0
        while j < count {
            defer { j += 1 }
            var key = prefix + Array(":\(j)".utf8)
            if key.count > 127 { key.removeLast(key.count - 127) }
            let exists = key.withUnsafeBytes { c.lookupWrite($0) != nil }
            if exists { continue }
            var value = Array("value:\(j)".utf8)
            if size > 0 {
                let padded = Int(size)
                if value.count > padded { value.removeLast(value.count - padded) }
                value += [UInt8](repeating: 0, count: padded - value.count)
            }
            let object = value.withUnsafeBytes { c.storedString($0) }
            key.withUnsafeBytes { _ = c.db.add($0, object) }
        }
        c.reply.ok()
    }

    /// getPositiveLongFromObjectOrReply with Redis's default message for both failures.
    private static func positiveArgument(_ c: Client, _ index: Int) -> Int64? {
        guard let value = parseInt64(c.arg(index)), value >= 0 else {
            c.error(ErrorText.valueNotPositive)
            return nil
        }
        return value
    }

    /// DEBUG REPLICATE <command...>: straight into the replication stream (replicas and the
    /// backlog, not the AOF) as database -1, as replicationFeedSlaves(slaves, -1, ...) does —
    /// so a replica next hears SELECT -1 unless the stream already was there.
    static func replicate(_ c: Client) {
        let command = PropagatedArguments.command(count: c.argumentCount - 2) { arguments in
            for index in 2..<c.argumentCount { arguments.append(c.arg(index)) }
        }
        command.withBytes { c.server.feedReplicationStream(db: -1, $0) }
        c.reply.ok()
    }

    /// DEBUG CHANGE-REPL-ID: a new replication ID and no secondary one.
    static func changeReplicationID(_ c: Client) {
        let server = c.server
        server.logger.notice("Changing replication IDs after receiving DEBUG change-repl-id")
        server.replication.replicationID = ReplicationState.randomID()
        server.replication.replicationID2 = Array(repeating: UInt8(ascii: "0"), count: 40)
        server.replication.secondReplicationOffset = -1
        c.reply.ok()
    }

    /// DEBUG ERROR <string>: "-<string>" as it is, newlines turned to spaces. Written raw, as
    /// addReplySds does, so INFO errorstats does not count it.
    static func error(_ c: Client) {
        var bytes: [UInt8] = [UInt8(ascii: "-")]
        for byte in c.arg(2) { bytes.append(byte == 10 || byte == 13 ? 32 : byte) }
        bytes += [13, 10]
        c.reply.append(bytes)
    }

    /// DEBUG LEAK <string>: a copy of the string that is never freed.
    static func leak(_ c: Client) {
        let argument = c.arg(2)
        if let copy = malloc(max(1, argument.count)), let base = argument.baseAddress {
            memcpy(copy, base, argument.count)
        }
        c.reply.ok()
    }

    static func log(_ c: Client) {
        c.server.logger.warning("DEBUG LOG: \(c.argString(2))")
        c.reply.ok()
    }

    /// DEBUG CONFIG-REWRITE-FORCE-ALL: CONFIG REWRITE writing every directive. Without a config
    /// file Redis's fopen(NULL) fails with EFAULT.
    static func configRewriteForceAll(_ c: Client) {
        guard c.server.config.configFilePath != nil else {
            c.error(ErrorText.debugConfigRewriteForceAll(String(cString: strerror(EFAULT))))
            return
        }
        if let failure = c.server.config.rewrite(forceAll: true) {
            let prefix = "ERR Rewriting config file: "
            c.error(ErrorText.debugConfigRewriteForceAll(failure.hasPrefix(prefix) ? String(failure.dropFirst(prefix.count)) : failure))
            return
        }
        c.reply.ok()
    }

    /// DEBUG QUICKLIST-PACKED-THRESHOLD <size>: elements this large go to plain nodes (global).
    static func quicklistPackedThreshold(_ c: Client) {
        guard let size = ConfigText.memtoull(c.argString(2)), QuickList.setPackedThreshold(size) else {
            c.error(ErrorText.debugPackedThreshold)
            return
        }
        c.reply.ok()
    }

    static func dropClusterPacketFilter(_ c: Client) {
        guard let type = c.integerArgument(2) else { return }
        c.server.debug.clusterDropPacketFilter = Int(type)
        c.reply.ok()
    }

    /// DEBUG REPLYBUFFER PEAK-RESET-TIME <never|reset|ms> / RESIZING <0|1>: recorded only, as
    /// Apus's reply buffers are never resized (DebugSettings).
    static func replyBuffer(_ c: Client) {
        if c.argIs(2, "peak-reset-time") {
            if c.argIs(3, "never") {
                c.server.debug.replyBufferPeakResetTime = -1
            } else if c.argIs(3, "reset") {
                c.server.debug.replyBufferPeakResetTime = DebugSettings.defaultReplyBufferPeakResetTime
            } else {
                guard let time = c.integerArgument(3) else { return }
                c.server.debug.replyBufferPeakResetTime = Int(time)
            }
        } else if c.argIs(2, "resizing") {
            c.server.debug.replyBufferResizing = atoi(c.argString(3)) != 0
        } else {
            c.error(ErrorText.debugUnknownSubcommand(c.argString(1)))
            return
        }
        c.reply.ok()
    }

    /// DEBUG CLUSTERLINK KILL <to|from|all> <node-id>: this server never runs a cluster.
    static func clusterLink(_ c: Client) {
        guard c.argIs(2, "kill") else {
            c.error(ErrorText.debugUnknownSubcommand(c.argString(1)))
            return
        }
        c.error(ErrorText.debugClusterOnly)
    }
}
