import CEpoll
import CLua
import Lua
import Persistence
import Util

// FUNCTION and FCALL / FCALL_RO (functions.c, Redis 7.0). The FUNCTION subcommands that change
// the libraries count as writes (server.dirty), so they propagate to the AOF and replicas as they
// were called; FCALL propagates the commands its function ran, not itself, as EVAL.

enum FunctionCommands {
    static let handlers: [String: CommandHandler] = [
        "fcall": { fcall($0, readOnly: false) }, "fcall_ro": { fcall($0, readOnly: true) },
        "function|load": load, "function|delete": delete, "function|list": list, "function|dump": dump,
        "function|restore": restore, "function|flush": flush, "function|stats": stats, "function|kill": kill,
        "function|help": help,
    ]

    /// fcallCommandGeneric.
    static func fcall(_ c: Client, readOnly: Bool) {
        let server = c.server
        // A function is fed to MONITOR before the commands it runs.
        if !server.monitors.isEmpty { server.feedMonitors(c) }
        let functions = server.functions
        guard let function = functions.function(named: c.arg(1)) else {
            c.error(ErrorText.functionNotFound)
            return
        }
        guard let keyCount = parseInt64(c.arg(2)) else {
            c.error(ErrorText.functionBadNumberOfKeys)
            return
        }
        if keyCount > Int64(c.argumentCount - 3) {
            c.error(ErrorText.functionKeysGreaterThanArgs)
            return
        }
        if keyCount < 0 {
            c.error(ErrorText.functionNegativeKeys)
            return
        }
        guard let run = server.prepareScriptRun(c, name: function.name, flags: function.flags, readOnly: readOnly) else {
            return
        }
        run.isEval = false
        let interpreter = functions.interpreter
        let keysEnd = 3 + Int(keyCount)
        interpreter.pushCall(function, c, keys: 3..<keysEnd, arguments: keysEnd..<c.argumentCount)
        server.scripting.callFunction(run, in: interpreter.lua, arguments: 2)
        interpreter.lua.pop()  // the error handler
        c.preventPropagation()
    }

    /// FUNCTION LOAD [REPLACE] <code>.
    static func load(_ c: Client) {
        var replace = false
        var position = 2
        while position < c.argumentCount - 1 {
            guard c.argIs(position, "replace") else {
                c.error(ErrorText.functionLoadOption(c.argString(position)))
                return
            }
            replace = true
            position += 1
        }
        if position >= c.argumentCount {
            c.error(ErrorText.functionCodeMissing)
            return
        }
        do {
            let obeyed = c.isFake || c.flags.contains(.master)
            let name = try c.server.functions.create(c.argBytes(position), replace: replace, timeLimited: !obeyed)
            c.markDirty()
            c.reply.bulk(name)
        } catch let error as FunctionLoadError {
            c.error("ERR " + error.message)
        } catch {
            c.error("ERR \(error)")
        }
    }

    static func delete(_ c: Client) {
        guard c.server.functions.delete(c.argString(2)) else {
            c.error(ErrorText.libraryNotFound)
            return
        }
        c.markDirty()
        c.reply.ok()
    }

    /// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].
    static func list(_ c: Client) {
        var withCode = false
        var pattern: [UInt8]?
        var index = 2
        while index < c.argumentCount {
            if !withCode && c.argIs(index, "withcode") {
                withCode = true
            } else if pattern == nil && c.argIs(index, "libraryname") {
                if index >= c.argumentCount - 1 {
                    c.error(ErrorText.functionListLibraryNameMissing)
                    return
                }
                index += 1
                pattern = c.argBytes(index)
            } else {
                c.error(ErrorText.functionListArgument(c.argString(index)))
                return
            }
            index += 1
        }
        var libraries = c.server.functions.current.sortedLibraries
        if let pattern {
            libraries = libraries.filter { library in
                pattern.withUnsafeBytes { p in
                    Array(library.name.utf8).withUnsafeBytes { globMatch(pattern: p, string: $0, noCase: true) }
                }
            }
        }
        let reply = c.reply
        reply.arrayHeader(libraries.count)
        for library in libraries {
            reply.mapHeader(withCode ? 4 : 3)
            reply.bulk("library_name")
            reply.bulk(library.name)
            reply.bulk("engine")
            reply.bulk("LUA")
            reply.bulk("functions")
            reply.arrayHeader(library.functions.count)
            for function in library.functions {
                reply.mapHeader(3)
                reply.bulk("name")
                reply.bulk(function.name)
                reply.bulk("description")
                if let description = function.description { reply.bulk(description) } else { reply.nullBulk() }
                reply.bulk("flags")
                let names = ScriptFlags.names.filter { function.flags.contains($0.1) }
                reply.setHeader(names.count)
                for (name, _) in names { reply.simple(name) }
            }
            if withCode {
                reply.bulk("library_code")
                reply.bulk(library.code)
            }
        }
    }

    static func dump(_ c: Client) {
        let payload = FunctionPayload.dump(c.server.functions.libraryCodes, compression: c.server.config.bool("rdbcompression"))
        c.reply.bulk(payload)
    }

    /// FUNCTION RESTORE <payload> [FLUSH|APPEND|REPLACE].
    static func restore(_ c: Client) {
        if c.argumentCount > 4 {
            c.error(ErrorText.subcommandSyntax(c.argString(1), container: "function"))
            return
        }
        enum Policy { case flush, append, replace }
        var policy = Policy.append
        if c.argumentCount == 4 {
            if c.argIs(3, "append") {
                policy = .append
            } else if c.argIs(3, "replace") {
                policy = .replace
            } else if c.argIs(3, "flush") {
                policy = .flush
            } else {
                c.error(ErrorText.functionRestorePolicy)
                return
            }
        }
        let payload = c.arg(2)
        guard DumpPayload.verify(payload, skipChecksum: c.server.debug.skipChecksumValidation) else {
            c.error(ErrorText.functionPayloadInvalid)
            return
        }
        let functions = c.server.functions
        let context = LibraryContext()
        do {
            for code in try FunctionPayload.libraryCodes(inPayload: payload) {
                try functions.create(code, replace: false, into: context)
            }
            if policy == .flush {
                functions.swapCurrent(with: context)
            } else {
                try functions.join(context, replace: policy == .replace)
            }
        } catch {
            functions.discard(context)
            c.error("ERR " + ((error as? FunctionLoadError)?.message ?? "\(error)"))
            return
        }
        c.markDirty()
        c.reply.ok()
    }

    /// FUNCTION FLUSH [ASYNC|SYNC]: both free at once (the libraries are small).
    static func flush(_ c: Client) {
        if c.argumentCount > 3 {
            c.error(ErrorText.subcommandSyntax(c.argString(1), container: "function"))
            return
        }
        if c.argumentCount == 3 && !c.argIs(2, "sync") && !c.argIs(2, "async") {
            c.error(ErrorText.functionFlushOption)
            return
        }
        c.server.functions.flush()
        c.markDirty()
        c.reply.ok()
    }

    /// FUNCTION STATS: the running function (an EVAL script running is BUSY) and the engines.
    static func stats(_ c: Client) {
        let server = c.server
        let engine = server.scripting
        let running = engine.run
        if let running, running.isEval {
            c.error(ErrorText.slowEval)
            return
        }
        let reply = c.reply
        reply.mapHeader(2)
        reply.bulk("running_script")
        if let running {
            reply.mapHeader(3)
            reply.bulk("name")
            reply.bulk(running.functionName)
            reply.bulk("command")
            let caller = running.caller
            reply.arrayHeader(caller.argumentCount)
            for index in 0..<caller.argumentCount { reply.bulk(caller.arg(index)) }
            reply.bulk("duration_ms")
            reply.integer((apus_monotonic_us() - running.startedMicroseconds) / 1000)
        } else {
            reply.nullBulk()
        }
        reply.bulk("engines")
        reply.mapHeader(1)
        reply.bulk("LUA")
        reply.mapHeader(2)
        reply.bulk("libraries_count")
        reply.integer(server.functions.current.libraries.count)
        reply.bulk("functions_count")
        reply.integer(server.functions.current.functionCount)
    }

    static func kill(_ c: Client) { c.server.killScript(c, function: true) }

    static func help(_ c: Client) { ObjectCommand.replyHelp(c, HelpText.function) }
}
