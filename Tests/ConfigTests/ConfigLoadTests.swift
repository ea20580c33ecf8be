import Testing
@testable import Config

/// Fatal texts were taken from redis-server 7.0.15's stderr for the same inputs.
@Suite struct ConfigLoadTests {
    private func block(_ line: Int?, _ text: String?, _ message: String) -> String {
        var expected = "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        if let line, let text { expected += "Reading the configuration file, at line \(line)\n>>> '\(text)'\n" }
        return expected + message + "\n"
    }

    private func argumentsError(_ arguments: [String]) -> String? {
        do {
            try ConfigStore().load(arguments: arguments)
            return nil
        } catch {
            return error.description
        }
    }

    /// Loads `text` as a config file (plus extra command-line words) and returns the error text.
    private func loadError(_ text: String, _ extra: [String] = []) -> String? {
        let dir = TestDirectory()
        let path = dir.write("redis.conf", text)
        do {
            try ConfigStore().load(arguments: [path] + extra)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func fileGrammar() throws {
        let dir = TestDirectory()
        let path = dir.write("redis.conf", """
            # comment
               hz   12  \r
            HZ 13
            requirepass "a \\"quoted\\" \\x41\\n"
            masterauth 'it\\'s'
            maxmemory 2GB
            hash-max-ziplist-entries 7
            slaveof 10.0.0.1 6380
            list-max-ziplist-entries 5
            save 60 1
            save 70 2
            bind ""
            """)
        let config = ConfigStore()
        try config.load(arguments: [path])
        #expect(config.configFilePath == path)
        #expect(config.get("hz") == "13", "last one wins")
        #expect(config.get("requirepass") == "a \"quoted\" A\n")
        #expect(config.get("masterauth") == "it's")
        #expect(config.get("maxmemory") == "2147483648")
        #expect(config.get("hash-max-listpack-entries") == "7")
        #expect(config.get("replicaof") == "10.0.0.1 6380")
        #expect(config.get("save") == "60 1 70 2", "file save lines replace the default, then accumulate")
        #expect(config.get("bind") == "")
        #expect(config.explicitlySetDirectives() == ["hz", "requirepass", "masterauth", "maxmemory",
                                                     "hash-max-listpack-entries", "replicaof", "save", "bind"])
        config.directivesNotInEffect = ["masterauth", "bind", "appendonly"]
        #expect(config.explicitlySetDirectivesNotInEffect() == ["masterauth", "bind"])
    }

    @Test func saveLinesInFiles() throws {
        func save(_ text: String, _ extra: [String] = []) throws -> String {
            let dir = TestDirectory()
            let config = ConfigStore()
            try config.load(arguments: [dir.write("r.conf", text)] + extra)
            return config.string("save")
        }
        #expect(try save("hz 5\n") == "3600 1 300 100 60 10000")
        #expect(try save("save 60 1\nsave \"\"\n") == "")
        #expect(try save("save \"\"\nsave 60 1\n") == "60 1")
        #expect(try save("save 60 1\nsave 70 2\n", ["--save", "80", "3"]) == "60 1 70 2 80 3")
        #expect(try save("save 60 1\n", ["--save"]) == "")
    }

    @Test func commandLine() throws {
        let config = ConfigStore()
        try config.load(arguments: ["--port", "7000", "--save", "--appendonly", "yes", "--maxmemory", "1mb",
                                    "--client-output-buffer-limit", "normal", "1", "2", "3", "--loglevel warning"])
        #expect(config.configFilePath == nil)
        #expect(config.get("port") == "7000")
        #expect(config.get("save") == "")
        #expect(config.get("appendonly") == "yes")
        #expect(config.get("maxmemory") == "1048576")
        #expect(config.get("client-output-buffer-limit")?.hasPrefix("normal 1 2 3 ") == true)
        #expect(config.get("loglevel") == "warning")
    }

    @Test func multiWordDirectiveGivenAsOneWord() throws {
        let dir = TestDirectory()
        let config = ConfigStore()
        try config.load(arguments: [dir.write("r.conf", "bind \"127.0.0.1 ::1\"\nshutdown-on-sigint \"save now\"\n"),
                                    "--save", "3600 1 300 100", "--client-output-buffer-limit", "pubsub 1 2 3"])
        #expect(config.bindAddresses() == ["127.0.0.1", "::1"])
        #expect(config.get("shutdown-on-sigint") == "save now")
        #expect(config.get("save") == "3600 1 300 100")
        #expect(config.get("client-output-buffer-limit")?.hasSuffix("pubsub 1 2 3") == true)
    }

    @Test func commandLineAssembly() {
        #expect(ConfigStore.commandLineOptions(["--port", "7778", "--hz", "abc"], from: 0).options
                == "port \"7778\" \nhz \"abc\" ")
        #expect(ConfigStore.commandLineOptions(["--port", "--hz", "5"], from: 0).options
                == "port \"--hz\" \"5\" ", "a bare --name takes the next word even if it starts with --")
        #expect(ConfigStore.commandLineOptions(["--save", "--hz", "5"], from: 0).options == "save \"\"\nhz \"5\" ")
        #expect(ConfigStore.commandLineOptions(["--save"], from: 0).options == "save \"\"")
        #expect(ConfigStore.commandLineOptions(["--port 6380"], from: 0).options == "port 6380 ")
        #expect(ConfigStore.commandLineOptions(["-", "--hz", "5"], from: 0).stdin)
        #expect(ConfigStore.commandLineOptions(["a.conf", "--hz", "5", "-"], from: 1).stdin)
    }

    @Test func commandLineErrorsCountLinesAfterTheFile() {
        #expect(loadError("port 7778\n\n", ["--hz", "abc"])
                == block(4, "hz \"abc\"", "argument couldn't be parsed into an integer"))
        #expect(argumentsError(["--port", "7778", "foo", "--hz", "x"])
                == block(2, "port \"7778\" \"foo\"", "wrong number of arguments"))
        #expect(argumentsError(["--port", "7778", "--save", "1", "2", "3"])
                == block(3, "save \"1\" \"2\" \"3\"", "Invalid save parameters"))
        #expect(argumentsError(["--foo", "bar"]) == block(2, "foo \"bar\"", "Bad directive or wrong number of arguments"))
        #expect(argumentsError(["--port", "7778", "--hz", "1 2"])
                == block(3, "hz \"1 2\"", "argument couldn't be parsed into an integer"))
        #expect(argumentsError(["--port", "7778", "--maxmemory", "1 gb"])
                == block(3, "maxmemory \"1 gb\"", "argument must be a memory value"))
        #expect(argumentsError(["--port", "7778", "--include"])
                == block(3, "include", "Bad directive or wrong number of arguments"))
    }

    @Test func fatalErrors() {
        let cases: [(String, Int, String, String)] = [
            ("port 7778\nfoo bar\n", 2, "foo bar", "Bad directive or wrong number of arguments"),
            ("\n\nhz abc\n", 3, "hz abc", "argument couldn't be parsed into an integer"),
            ("hz 1 2\n", 1, "hz 1 2", "wrong number of arguments"),
            ("hz\n", 1, "hz", "wrong number of arguments"),
            ("maxmemory -5\n", 1, "maxmemory -5", "argument must be a memory value"),
            ("databases 0\n", 1, "databases 0", "argument must be between 1 and 2147483647 inclusive"),
            ("appendonly maybe\n", 1, "appendonly maybe", "argument must be 'yes' or 'no'"),
            ("dir \"/tmp\n", 1, "dir \"/tmp", "Unbalanced quotes in configuration line"),
            ("hz 'a\n", 1, "hz 'a", "Unbalanced quotes in configuration line"),
            ("hz \"a\"b\n", 1, "hz \"a\"b", "Unbalanced quotes in configuration line"),
            ("save 1\n", 1, "save 1", "Invalid save parameters"),
            ("loadmodule\n", 1, "loadmodule", "Bad directive or wrong number of arguments"),
            ("user\n", 1, "user", "Bad directive or wrong number of arguments"),
            ("include\n", 1, "include", "Bad directive or wrong number of arguments"),
            ("sentinel foo\n", 1, "sentinel foo", "sentinel directive while not in sentinel mode"),
            ("foo.bar\n", 1, "foo.bar", "Module config specified without value"),
            ("list-max-ziplist-entries 5 6\n", 1, "list-max-ziplist-entries 5 6", "Bad directive or wrong number of arguments"),
            ("replicaof a\n", 1, "replicaof a", "wrong number of arguments"),
            ("replicaof a b\n", 1, "replicaof a b", "Invalid master port"),
            ("socket-mark-id -1\n", 1, "socket-mark-id -1", "argument must be between 0 and 4294967295 inclusive"),
            ("dir /nonexist\n", 1, "dir /nonexist", "No such file or directory"),
            ("shutdown-on-sigint save nosave\n", 1, "shutdown-on-sigint save nosave",
             "shutdown options SAVE and NOSAVE can't be used simultaneously"),
            ("dbfilename a/b\n", 1, "dbfilename a/b", "dbfilename can't be a path, just a filename"),
            ("appendfilename \"\"\n", 1, "appendfilename \"\"", "appendfilename can't be empty"),
            ("oom-score-adj-values 1 2\n", 1, "oom-score-adj-values 1 2", "wrong number of arguments"),
            ("notify-keyspace-events a b\n", 1, "notify-keyspace-events a b", "wrong number of arguments"),
            ("  # comment\n   hz  12 \n hz2\n", 3, "hz2", "Bad directive or wrong number of arguments"),
        ]
        for (text, line, shown, message) in cases {
            #expect(loadError(text) == block(line, shown, message), "\(text)")
        }
    }

    @Test func acceptedOddities() {
        #expect(loadError("list-max-ziplist-entries 5\n") == nil, "deprecated directives are ignored")
        #expect(loadError("sentinel\n") == nil)
        #expect(loadError("client-output-buffer-limit\nlatency-tracking-info-percentiles\nsave\nbind\n") == nil)
    }

    @Test func checksAfterTheFile() {
        #expect(loadError("logfile /nonexist/x.log\n") == block(nil, nil, "Can't open the log file: No such file or directory"))
        #expect(loadError("cluster-enabled yes\nreplicaof 1.2.3.4 5\n")
                == block(nil, nil, "replicaof directive not allowed in cluster mode"))
    }

    @Test func missingFiles() {
        do {
            try ConfigStore().load(arguments: ["/nonexist.conf"])
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.kind == .logWarning)
            #expect(error.description == "Fatal error, can't open config file '/nonexist.conf': No such file or directory")
        }
        #expect(loadError("include /nonexist-apus.conf\n")
                == "Fatal error, can't open config file '/nonexist-apus.conf': No such file or directory")
    }

    @Test func includes() throws {
        let dir = TestDirectory()
        dir.write("inc.conf", "hz 20\nmaxmemory 1kb\n")
        dir.write("conf.d-a.conf", "timeout 5\n")
        dir.write("conf.d-b.conf", "timeout 6\n")
        let path = dir.write("main.conf", """
            hz 10
            include \(dir.path)/inc.conf
            maxmemory 2kb
            include \(dir.path)/conf.d-*.conf
            include \(dir.path)/nothing-*.conf
            """)
        let config = ConfigStore()
        try config.load(arguments: [path])
        #expect(config.get("hz") == "20")
        #expect(config.get("maxmemory") == "2048")
        #expect(config.get("timeout") == "6")

        // Errors inside an included file report that file's line numbers.
        dir.write("bad.conf", "hz 5\n\nhz x\n")
        #expect(loadError("port 7781\ninclude \(dir.path)/bad.conf\n")
                == block(3, "hz x", "argument couldn't be parsed into an integer"))
    }

    @Test func nonSettingDirectivesAreRecorded() throws {
        let dir = TestDirectory()
        let path = dir.write("r.conf", """
            rename-command DEBUG ""
            user alice on >pw ~* +@all
            loadmodule /x/y.so a b
            mymod.opt 5
            """)
        let config = ConfigStore()
        try config.load(arguments: [path])
        #expect(config.renamedCommands.map { [$0.from, $0.to] } == [["DEBUG", ""]])
        #expect(config.userDirectives == [["alice", "on", ">pw", "~*", "+@all"]])
        #expect(config.moduleLoads == [["/x/y.so", "a", "b"]])
        #expect(config.moduleConfigs.map { [$0.name, $0.value] } == [["mymod.opt", "5"]])

        let strict = ConfigStore()
        strict.renameCommandHandler = { from, _ in from == "DEBUG" ? "No such command in rename-command" : nil }
        do {
            try strict.load(arguments: [path])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == block(1, "rename-command DEBUG \"\"", "No such command in rename-command"))
        }
    }

    @Test func relativeConfigPathBecomesAbsolute() {
        let cwd = currentDirectory()
        #expect(ConfigStore.absolutePath("redis.conf") == cwd + "/redis.conf")
        #expect(ConfigStore.absolutePath(" /etc/redis.conf ") == "/etc/redis.conf")
        #expect(ConfigStore.absolutePath("/a/../b") == "/a/../b")
    }

    @Test func lexer() {
        #expect(ConfigText.splitArgs(Array("a  b\t'c d'".utf8)) == ["a", "b", "c d"])
        #expect(ConfigText.splitArgs(Array("a\"b c\"d".utf8)) == nil)
        #expect(ConfigText.splitArgs(Array("a\"b c\" d".utf8)) == ["ab c", "d"])
        #expect(ConfigText.splitArgs(Array("\"\\x4a\\t\\q\"".utf8)) == ["J\tq"])
        #expect(ConfigText.splitArgs(Array("''".utf8)) == [""])
        #expect(ConfigText.splitArgs(Array("   ".utf8)) == [])
        #expect(ConfigText.quoted("a\"b\\c\n\u{1}é") == "\"a\\\"b\\\\c\\n\\x01\\xc3\\xa9\"")
    }
}
