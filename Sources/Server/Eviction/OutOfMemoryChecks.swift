// processCommand's maxmemory step and the scripts' OOM rules (server.c, script.c, Redis 7.0).
// A command flagged denyoom is refused with -OOM when eviction fails; inside MULTI every command
// but EXEC, DISCARD, QUIT and RESET is (queueing grows memory too), and EXEC is when it queued a
// denyoom command. EVAL/FCALL of a script that declares flags deny OOM unless it is allow-oom or
// no-writes; a script without flags runs, and its first denyoom command fails on the state found
// before the script started — unless a write command already ran in it.

extension Server {
    /// Runs the evictions before `command` and says whether it must be refused.
    func refusedForMemory(_ command: Command, _ client: Client) -> Bool {
        let outOfMemory = performEvictions() == .fail
        if outOfMemory {
            if client.transaction != nil && !command.isExec && !Server.allowedInMultiWhenOOM.contains(command.fullName) {
                return true
            }
            if deniesOOM(command, client) { return true }
        }
        eviction.preCommandOOM = outOfMemory
        return false
    }

    private static let allowedInMultiWhenOOM: Set<String> = ["discard", "quit", "reset"]

    /// is_denyoom_command.
    private func deniesOOM(_ command: Command, _ client: Client) -> Bool {
        let flags = command.flags.contains(.mayReplicate) ? commandFlags(command, client) : command.flags
        if flags.contains(.denyOOM) { return true }
        return command.isExec && client.transaction?.queuedFlags.contains(.denyOOM) == true
    }

    /// getCommandFlags: EVAL/EVALSHA/FCALL of a script that declares flags take write, deny-oom
    /// and stale from them instead (scriptFlagsToCmdFlags).
    func commandFlags(_ command: Command, _ client: Client) -> CommandFlags {
        guard let declared = evalDeclaredFlags(command, client) else { return command.flags }
        var flags = command.flags.subtracting([.stale, .denyOOM, .write, .mayReplicate])
        if !declared.contains(.allowOOM) && !declared.contains(.noWrites) { flags.insert(.denyOOM) }
        if !declared.contains(.noWrites) { flags.insert(.write) }
        if declared.contains(.allowStale) { flags.insert(.stale) }
        return flags
    }

    /// scriptPrepareForRun: a script with flags but without allow-oom (or no-writes) does not
    /// start while memory is over the limit (reached when its EVAL got past processCommand, as
    /// inside a transaction queued earlier).
    func scriptRefusedForMemory(_ flags: ScriptFlags) -> Bool {
        settings.maxMemory != 0 && eviction.preCommandOOM && !flags.contains(.evalCompatibilityMode)
            && !flags.contains(.allowOOM) && !flags.contains(.noWrites)
    }

    /// scriptVerifyOOM: a denyoom command of a script, refused on the pre-command OOM state
    /// until a write command has run in the script (it cannot stop half way then).
    func scriptCommandRefusedForMemory(_ command: Command, _ run: ScriptRun) -> Bool {
        if run.flags.contains(.allowOOM) && !run.flags.contains(.evalCompatibilityMode) { return false }
        return settings.maxMemory != 0 && !run.caller.flags.contains(.master) && !run.caller.isFake
            && !run.calledWrite && eviction.preCommandOOM && command.flags.contains(.denyOOM)
    }
}
