import Testing
@testable import Server

// EVAL at the server level: what a script propagates (its effects, in MULTI/EXEC when there
// are several; nothing after redis.set_repl(REPL_NONE)), the sandbox's readonly tables, and the
// rand48 sequence behind math.random — the texts as redis-server 7.0.15 replies them.

@Suite struct ScriptingEvalTests {
    @Test func scriptEffectsPropagateInsteadOfEval() throws {
        let h = try ServerHarness()
        h.run("EVAL", "redis.call('set','a','1') redis.call('incr','a') return 1", "0")
        #expect(h.takePropagated() == [resp("MULTI"), resp("set", "a", "1"), resp("incr", "a"), resp("EXEC")])
        h.run("EVAL", "redis.call('set','b','1') return redis.call('get','b')", "0")
        #expect(h.takePropagated() == [resp("set", "b", "1")])
        h.run("EVAL", "return redis.call('get','b')", "0")
        #expect(h.takePropagated() == [])
    }

    @Test func replNoneStopsPropagationUntilReplAll() throws {
        let h = try ServerHarness()
        h.run("EVAL", """
            redis.call('set','f','1') redis.set_repl(redis.REPL_NONE) redis.call('set','g','1')
            redis.set_repl(redis.REPL_ALL) redis.call('set','h','1') return 1
            """, "0")
        #expect(h.takePropagated() == [resp("MULTI"), resp("set", "f", "1"), resp("set", "h", "1"), resp("EXEC")])
        // Each run starts with REPL_ALL again.
        h.run("EVAL", "redis.set_repl(redis.REPL_NONE) return redis.call('set','x','1')", "0")
        h.run("EVAL", "return redis.call('set','y','1')", "0")
        #expect(h.takePropagated() == [resp("set", "y", "1")])
        #expect(h.run("GET", "x") == "$1\r\n1\r\n")
        // Only the command's own propagation is filtered: what it propagates itself
        // (alsoPropagate, SPOP with a count) still goes out, as in Redis.
        h.run("SADD", "S", "a", "b", "c")
        _ = h.takePropagated()
        h.run("EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('spop','S',1) redis.call('spop','S') return 1", "0")
        let stream = h.takePropagated()
        #expect(stream.count == 1 && stream[0].hasPrefix("*3\r\n$4\r\nSREM\r\n$1\r\nS\r\n"))
    }

    @Test func globalsAndLibrariesAreReadonly() throws {
        let h = try ServerHarness()
        let sha = "34bce5f775de97f557a34088509c8bfe1ea17e52"
        #expect(h.run("EVAL", "x = 1", "0")
            == "-ERR user_script:1: Attempt to modify a readonly table script: \(sha), on @user_script:1.\r\n")
        #expect(h.run("EVAL", "rawset(_G,'x',1)", "0").hasPrefix("-ERR Attempt to modify a readonly table script:"))
        #expect(h.run("EVAL", "string.len = nil", "0").hasPrefix("-ERR user_script:1: Attempt to modify a readonly table"))
        #expect(h.run("EVAL", "return debug", "0").hasPrefix(
            "-ERR user_script:1: Script attempted to access nonexistent global variable 'debug' script:"))
        // KEYS and ARGV stay the script's own tables; reads see through the locked ones.
        #expect(h.run("EVAL", "KEYS[1] = 'z' return {KEYS[1], ('x'):upper(), cjson.encode({1})}", "1", "a")
            == "*3\r\n$1\r\nz\r\n$1\r\nX\r\n$3\r\n[1]\r\n")
        #expect(h.run("EVAL", "local n = 0 for k in pairs(redis) do n = n + 1 end return n", "0") == ":23\r\n")
    }

    @Test func mathRandomFollowsRedisRand48() throws {
        let h = try ServerHarness()
        #expect(h.run("EVAL", "return {tostring(math.random()), math.random(100), math.random(5,10)}", "0")
            == "*3\r\n$16\r\n0.39646477363839\r\n:85\r\n:7\r\n")
        #expect(h.run("EVAL", "return math.random(0)", "0").hasPrefix(
            "-ERR user_script:1: bad argument #1 to 'random' (interval is empty) script:"))
    }

    @Test func pcallReturnsTheErrorMessage() throws {
        let h = try ServerHarness()
        #expect(h.run("EVAL", "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), e}", "0")
            == "*2\r\n$5\r\nfalse\r\n$44\r\nERR Unknown Redis command called from script\r\n")
    }
}
