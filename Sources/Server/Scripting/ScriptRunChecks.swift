import CEpoll
import CLua
import Lua

// scriptPrepareForRun and scriptResetRun (script.c, Redis 7.0): the checks a script must pass
// before it runs, by its flags (a script without a shebang keeps Redis 6's rules and is
// checked command by command instead), and the state of the run.

extension Server {
    func prepareScriptRun(_ caller: Client, name: String, flags: ScriptFlags, readOnly: Bool) -> ScriptRun? {
        let runningStale = replication.isReplica && replication.linkState != .connected
            && !config.bool("replica-serve-stale-data")
        let obeyed = caller.flags.contains(.master) || caller.isFake
        if !flags.contains(.evalCompatibilityMode) {
            if flags.contains(.noCluster) && config.bool("cluster-enabled") {
                caller.error(ErrorText.scriptNoCluster)
                return nil
            }
            if scriptRefusedForMemory(flags) {
                caller.error(ErrorText.scriptOOM)
                return nil
            }
            if runningStale && !flags.contains(.allowStale) {
                caller.error(ErrorText.scriptStaleMaster)
                return nil
            }
            if !flags.contains(.noWrites) {
                if replication.isReplica && config.bool("replica-read-only") && !obeyed {
                    caller.error(ErrorText.scriptReadOnlyReplica)
                    return nil
                }
                if readOnly {
                    caller.error(ErrorText.scriptWriteFlagOnReadOnlyCommand)
                    return nil
                }
                if !hasEnoughGoodReplicas {
                    caller.error(ErrorText.noReplicas)
                    return nil
                }
            }
        } else if runningStale {
            caller.error(ErrorText.masterDown)
            return nil
        }
        let scriptClient = scripting.client
        scriptClient.select(caller.databaseIndex)
        let denyWrites = readOnly || (!flags.contains(.evalCompatibilityMode) && flags.contains(.noWrites))
        let run = scripting.reusableRun
        run.begin(caller: caller, functionName: name, readOnly: denyWrites, flags: flags, started: apus_monotonic_us())
        return run
    }

    /// scriptResetRun.
    func scriptRunEnded(_ engine: ScriptingEngine, _ run: ScriptRun) {
        if run.timedOut { leaveBusyScriptMode(run) }
        engine.client.reply.discardAll()
        engine.client.reply.resp3 = false
    }

}
