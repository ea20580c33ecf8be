import CEpoll
import CLua
import Lua
import Reactor

// A script that runs too long (script.c's scriptInterrupt, luaMaskCountHook and scriptKill,
// Redis 7.0): every 100000 Lua instructions the hook checks the time; past busy-reply-threshold
// the server logs it, protects the caller, and from then on handles the file events ready at
// each check (processEventsWhileBlocked), answering -BUSY to every command except the few that
// may interrupt: SCRIPT KILL / FUNCTION KILL (refused with -UNKILLABLE once the script wrote)
// and SHUTDOWN NOSAVE.

private func luaBusyCheck(_ L: LuaStatePointer?) -> Int32 {
    guard let context = apus_lua_registry_engine(L) else { return 0 }
    let engine = Unmanaged<ScriptingEngine>.fromOpaque(context).takeUnretainedValue()
    return engine.server.scriptInterrupt(engine, L!)
}

extension Server {
    /// Installs the check for the run about to start; false when busy-reply-threshold is 0.
    func installBusyHook(_ engine: ScriptingEngine) -> Bool {
        guard settings.busyReplyThreshold > 0, let lua = engine.runningIn else { return false }
        if !lua.interruptRegistered {
            apus_lua_register_interrupt(lua.state, luaBusyCheck, engine.context)
            lua.interruptRegistered = true
        }
        apus_lua_arm_interrupt(lua.state, 100_000)
        return true
    }

    /// scriptInterrupt: -1 (with the error pushed) when the script must stop.
    fileprivate func scriptInterrupt(_ engine: ScriptingEngine, _ L: LuaStatePointer) -> Int32 {
        guard let run = engine.run else { return 0 }
        if !run.timedOut {
            let elapsed = (apus_monotonic_us() - run.startedMicroseconds) / 1000
            guard elapsed >= settings.busyReplyThreshold else { return 0 }
            logger.warning("Slow script detected: still in execution after \(elapsed) milliseconds. You can try killing the script using the \(run.isEval ? "SCRIPT KILL" : "FUNCTION KILL") command. Script name is: \(run.functionName).")
            enterBusyScriptMode(run)
        }
        processEventsWhileBlocked()
        if run.killed {
            logger.notice("Lua script killed by user with \(run.isEval ? "SCRIPT KILL" : "FUNCTION KILL").")
            pushErrorTable(L, "Script killed by user with SCRIPT KILL...")  // so for functions too, as Redis
            return -1
        }
        return 0
    }

    /// enterScriptTimedoutMode + protectClient: the caller's socket is not read (nor closed)
    /// until the script ends.
    private func enterBusyScriptMode(_ run: ScriptRun) {
        run.timedOut = true
        busyScript = run
        let caller = run.caller
        if caller.fd >= 0 {
            run.callerInterest = loop.interest(of: caller.fd)
            try? loop.setInterest(caller.fd, [])
        }
    }

    func leaveBusyScriptMode(_ run: ScriptRun) {
        busyScript = nil
        let caller = run.caller
        if caller.fd >= 0 && self.client(fd: caller.fd) === caller {
            try? loop.setInterest(caller.fd, run.callerInterest.union(.readable))
        }
    }

    /// processEventsWhileBlocked: up to four passes over the ready file events, no timers.
    func processEventsWhileBlocked() {
        refreshClock()
        for _ in 0..<4 {
            if loop.processReadyFileEvents() == 0 { break }
        }
    }

    /// SCRIPT KILL (function: false) and FUNCTION KILL (function: true).
    func killScript(_ c: Client, function: Bool) {
        guard let run = scripting.run else {
            c.error(ErrorText.notBusy)
            return
        }
        if run.caller.flags.contains(.master) {
            c.error(ErrorText.unkillableFromMaster)
            return
        }
        if run.wrote {
            c.error(ErrorText.unkillable)
            return
        }
        if !function && !run.isEval {
            c.error(ErrorText.busyFunction)
            return
        }
        if function && run.isEval {
            c.error(ErrorText.busyEval)
            return
        }
        run.killed = true
        c.reply.ok()
    }
}
