import CLua
import Lua
import Util

// redis.call and redis.pcall (script_lua.c's luaRedisGenericCommand and script.c's scriptCall,
// Redis 7.0): the arguments become the script client's argv — Lua's own string memory, no copy
// — the command passes the checks a script's command must pass, runs through `call` (so it
// propagates, counts and notifies as any command), and its reply, parsed back from RESP,
// becomes the Lua value. redis.call raises a command's error; redis.pcall returns it as a table.

func luaRedisCall(_ L: LuaStatePointer?) -> Int32 { ScriptingEngine.from(L).redisCall(L!, raise: true) }
func luaRedisPcall(_ L: LuaStatePointer?) -> Int32 { ScriptingEngine.from(L).redisCall(L!, raise: false) }
func luaRedisAclCheckCmd(_ L: LuaStatePointer?) -> Int32 { ScriptingEngine.from(L).aclCheckCommand(L!) }

extension ScriptingEngine {
    func redisCall(_ L: LuaStatePointer, raise: Bool) -> Int32 {
        let argc = lua_gettop(L)
        if argc == 0 {
            pushErrorTable(L, "Please specify at least one argument for this redis lib call")
            return raise ? -1 : 1
        }
        guard let run else {
            pushErrorTable(L, "redis.call/pcall can only be called inside a script invocation")
            return raise ? -1 : 1
        }
        guard loadArguments(L, argc) else { return raise ? -1 : 1 }
        if let refusal = server.scriptCommandRefusal(client, run) {
            // afterErrorReply and incrCommandStatsOnError(ERROR_COMMAND_REJECTED), as scriptCall.
            server.stats.recordError(refusal.hasPrefix("-") ? String(refusal.dropFirst()) : "ERR " + refusal)
            client.lastCommand?.stats.rejectedCalls += 1
            pushErrorTable(L, refusal)
            // Counted once, here; the error must not count again when the script returns it.
            markIgnoreStats(L)
            return raise ? -1 : 1
        }
        client.reply.resp3 = run.resp == 3
        let dirtyBefore = server.dirty
        // replicationTargets (redis.set_repl) is read by call's propagation.
        server.call(client.lastCommand!, client)
        if server.dirty != dirtyBefore { run.wrote = true }
        let isError = pushReplyAsLua(L)
        if isError {
            markIgnoreStats(L)
            if raise { return -1 }
        }
        return 1
    }

    /// luaArgsToRedisArgv: the arguments as the script client's argv (numbers as %.17g text on
    /// the stack, the rest Lua's own string memory); false with an error table pushed.
    private func loadArguments(_ L: LuaStatePointer, _ argc: Int32) -> Bool {
        // Reused across calls (keeping its capacity): a call allocates no argv.
        var spans = argumentScratch
        argumentScratch = []
        defer {
            spans.removeAll(keepingCapacity: true)
            argumentScratch = spans
        }
        for index in 1...argc {
            let type = lua_type(L, index)
            if type == LUA_TNUMBER {
                // %.17g, as Redis 7.0, not Lua's lossy %.14g; the text lives on the stack.
                let text = doubleG17Bytes(lua_tonumber(L, index))
                text.withUnsafeBytes { lua_pushlstring(L, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
                lua_replace(L, index)
            } else if type != LUA_TSTRING {
                pushErrorTable(L, "Lua redis lib command arguments must be strings or integers")
                return false
            }
            var length = 0
            let pointer = apus_lua_tostring(L, index, &length)
            spans.append(UnsafeRawBufferPointer(start: pointer, count: length))
        }
        client.loadArguments(spans)
        return true
    }

    /// redis.acl_check_cmd: whether the caller's user may run the command; an unknown command is
    /// an error.
    func aclCheckCommand(_ L: LuaStatePointer) -> Int32 {
        let argc = lua_gettop(L)
        guard let run else {
            pushErrorTable(L, "redis.acl_check_cmd can only be called inside a script invocation")
            return -1
        }
        if argc == 0 {
            pushErrorTable(L, "Please specify at least one argument for this redis lib call")
            return -1
        }
        guard loadArguments(L, argc) else { return -1 }
        guard let base = server.commandTable.lookupForDispatch(client.arg(0))?.takeUnretainedValue(),
              !base.isContainer || client.argumentCount < 2 || base.subcommands[client.argString(1).lowercased()] != nil
        else {
            pushErrorTable(L, "Invalid command passed to redis.acl_check_cmd()")
            return -1
        }
        let command = base.isContainer && client.argumentCount >= 2 ? base.subcommands[client.argString(1).lowercased()]! : base
        let client = self.client
        let allowed = run.caller.user.allowsEverything
            || ACLPermissions.check(run.caller.user.rules, command, count: client.argumentCount, argument: { client.arg($0) }) == nil
        lua_pushboolean(L, allowed ? 1 : 0)
        return 1
    }

    /// The error table on top: its error was already counted in the error stats.
    private func markIgnoreStats(_ L: LuaStatePointer) {
        pushLuaString(L, "ignore_error_stats_update")
        lua_pushboolean(L, 1)
        lua_rawset(L, -3)
    }

    /// The script client's reply, as a Lua value on the stack; true when it was an error.
    private func pushReplyAsLua(_ L: LuaStatePointer) -> Bool {
        let reply = client.reply
        // The usual reply is one chunk: parsed where it lies, with no copy and no region list.
        if let region = reply.singleRegion, !region.isEmpty {
            let isError = region[0] == UInt8(ascii: "-")
            var position = 0
            RESPToLua.push(L, region, &position)
            reply.consume(region.count)
            return isError
        }
        replyScratch.removeAll(keepingCapacity: true)
        while !client.reply.isEmpty {
            let taken = client.reply.drain(maxPieces: 64) { regions in
                var total = 0
                for region in regions {
                    replyScratch.append(contentsOf: region)
                    total += region.count
                }
                return total
            }
            if taken == 0 { break }
        }
        let isError = replyScratch.first == UInt8(ascii: "-")
        replyScratch.withUnsafeBytes { bytes in
            var position = 0
            RESPToLua.push(L, bytes, &position)
        }
        return isError
    }
}

extension Server {
    /// scriptCall's checks, in Redis 7.0's order; nil when the command may run. The script
    /// client's lastCommand is the command (or subcommand) found, nil for an unknown one.
    func scriptCommandRefusal(_ c: Client, _ run: ScriptRun) -> String? {
        c.lastCommand = nil
        guard let base = commandTable.lookupForDispatch(c.arg(0))?.takeUnretainedValue() else {
            return "Unknown Redis command called from script"
        }
        var command = base
        if base.isContainer && c.argumentCount >= 2 {
            guard let sub = base.subcommands[c.argString(1).lowercased()] else {
                return "Unknown Redis command called from script"
            }
            command = sub
        }
        // Known from here: a refusal counts in its rejected_calls.
        c.lastCommand = command
        guard command.acceptsArgumentCount(c.argumentCount), command.handler != nil else {
            return "Wrong number of args calling Redis command from script"
        }
        if command.flags.contains(.noScript) && !debug.scriptDisableDenyScript { return "This Redis command is not allowed from script" }
        if let refusal = aclScriptRefusal(command, c, caller: run.caller) { return refusal }
        let writes = command.flags.contains(.write)
        let mayReplicate = !command.flags.isDisjoint(with: [.write, .mayReplicate])
        if run.readOnly && mayReplicate {
            return "Write commands are not allowed from read-only scripts."
        }
        // Once the script wrote, failing it on the server's state would leave half its effects.
        if writes && !run.wrote {
            if replication.isReplica && config.bool("replica-read-only") && !run.caller.flags.contains(.master)
                && !run.caller.isFake {
                return "-" + ErrorText.readOnlyReplica
            }
            if persistence.writesMayBeDenied, let text = diskErrorDenial(command, run.caller) { return "-" + text }
            if !hasEnoughGoodReplicas { return "-" + ErrorText.noReplicas }
        }
        if scriptCommandRefusedForMemory(command, run) { return "-" + ErrorText.oom }
        if writes { run.calledWrite = true }
        return nil
    }
}
