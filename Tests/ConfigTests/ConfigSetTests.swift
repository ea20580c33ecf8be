import Testing
@testable import Config

/// Expected texts were taken from redis-server 7.0.15's replies (minus the leading '-').
@Suite struct ConfigSetTests {
    private func failure(_ name: String, _ message: String) -> String {
        "ERR CONFIG SET failed (possibly related to argument '\(name)') - \(message)"
    }

    @Test func unknownImmutableProtectedDuplicate() {
        let config = ConfigStore()
        #expect(config.set([("foo", "bar")]) == "ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        #expect(config.set([("DAEMONIZE", "yes")]) == failure("DAEMONIZE", "can't set immutable config"))
        #expect(config.set([("slaveof", "")]) == failure("slaveof", "can't set immutable config"))
        #expect(config.set([("dbfilename", "x.rdb")]) == failure("dbfilename", "can't set protected config"))
        #expect(config.set([("dir", "/tmp")]) == failure("dir", "can't set protected config"))
        #expect(config.set([("hz", "5"), ("HZ", "6")]) == failure("HZ", "duplicate parameter"))
        // The first error wins, whatever its kind.
        #expect(config.set([("maxmemory", "5"), ("foo", "1"), ("daemonize", "yes")])
                == "ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        #expect(config.set([("daemonize", "yes"), ("foo", "1")]) == failure("daemonize", "can't set immutable config"))
        #expect(config.int("maxmemory") == 0)
    }

    @Test func nameAndAliasAreNotDuplicates() {
        let config = ConfigStore()
        #expect(config.set([("SLAVE-PRIORITY", "5"), ("replica-priority", "7")]) == nil)
        #expect(config.get("slave-priority") == "7")
    }

    @Test func parseErrorsNameTheRegisteredEntry() {
        let config = ConfigStore()
        #expect(config.set([("HZ", "abc")]) == failure("hz", "argument couldn't be parsed into an integer"))
        #expect(config.set([("Slave-Priority", "abc")]) == failure("slave-priority", "argument couldn't be parsed into an integer"))
    }

    @Test func integers() {
        let config = ConfigStore()
        let notInteger = failure("hz", "argument couldn't be parsed into an integer")
        for bad in ["abc", "01", "-0", "+1", " 1", "1.5", "", "99999999999999999999"] {
            #expect(config.set([("hz", bad)]) == notInteger, "\(bad)")
        }
        #expect(config.set([("hz", "-1")]) == failure("hz", "argument must be between 0 and 2147483647 inclusive"))
        #expect(config.set([("maxclients", "0")]) == failure("maxclients", "argument must be between 1 and 4294967295 inclusive"))
        #expect(config.set([("slowlog-max-len", "-1")])
                == failure("slowlog-max-len", "argument must be between 0 and 9223372036854775807 inclusive"))
        #expect(config.set([("list-max-listpack-size", "999999999999")])
                == failure("list-max-listpack-size", "argument must be between -2147483648 and 2147483647 inclusive"))
        #expect(config.set([("hash-max-listpack-entries", "-1")])
                == failure("hash-max-listpack-entries", "argument must be between 0 and 9223372036854775807 inclusive"))
        #expect(config.set([("slowlog-log-slower-than", "-1")]) == nil)
        #expect(config.int("slowlog-log-slower-than") == -1)
    }

    @Test func replBacklogSizeHasARuntimeFloor() throws {
        let config = ConfigStore()
        #expect(config.set([("repl-backlog-size", "1kb")]) == nil)
        #expect(config.get("repl-backlog-size") == "16384")
        let loaded = ConfigStore()
        try loaded.load(arguments: ["--repl-backlog-size", "1"])
        #expect(loaded.get("repl-backlog-size") == "1", "a file or command line may go lower, as in Redis")
    }

    @Test func hzIsClamped() {
        let config = ConfigStore()
        #expect(config.set([("hz", "1000")]) == nil)
        #expect(config.get("hz") == "500")
        #expect(config.set([("hz", "0")]) == nil)
        #expect(config.get("hz") == "1")
    }

    @Test func memoryValues() {
        let config = ConfigStore()
        let cases: [(String, String)] = [
            ("1GB", "1073741824"), ("1gb", "1073741824"), ("1k", "1000"), ("1K", "1000"), ("2kb", "2048"),
            ("1m", "1000000"), ("1mb", "1048576"), ("1G", "1000000000"), ("", "0"), ("b", "0"), ("kb", "0"),
            ("18446744073709551615", "18446744073709551615"), ("18446744073709551616", "18446744073709551615"),
            ("20000000000gb", "3028092406290448384"), ("9223372036854775808", "9223372036854775808"),
        ]
        for (input, expected) in cases {
            #expect(config.set([("maxmemory", input)]) == nil, "\(input)")
            #expect(config.get("maxmemory") == expected, "\(input)")
        }
        #expect(config.int("maxmemory") == Int64.max, "beyond Int64 saturates")
        for bad in ["-1", "1x", "0x10", " 5", "5 ", "1 gb"] {
            #expect(config.set([("maxmemory", bad)]) == failure("maxmemory", "argument must be a memory value"), "\(bad)")
        }
        #expect(config.set([("proto-max-bulk-len", "1kb")])
                == failure("proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive"))
    }

    @Test func percentValues() {
        let config = ConfigStore()
        #expect(config.set([("maxmemory-clients", "10%")]) == nil)
        #expect(config.get("maxmemory-clients") == "10%")
        #expect(config.int("maxmemory-clients") == -10)
        #expect(config.set([("maxmemory-clients", "101%")])
                == failure("maxmemory-clients", "percentage argument must be less or equal to 100"))
        for bad in ["-5", "x%", "%"] {
            #expect(config.set([("maxmemory-clients", bad)])
                    == failure("maxmemory-clients", "argument must be a memory or percent value"), "\(bad)")
        }
        #expect(config.set([("maxmemory-clients", "0%")]) == nil)
        #expect(config.get("maxmemory-clients") == "0")
        #expect(config.set([("maxmemory-clients", "5mb")]) == nil)
        #expect(config.get("maxmemory-clients") == "5242880")
    }

    @Test func boolsAndEnums() {
        let config = ConfigStore()
        #expect(config.set([("appendonly", "maybe")]) == failure("appendonly", "argument must be 'yes' or 'no'"))
        #expect(config.set([("appendonly", "YES")]) == nil)
        #expect(config.get("appendonly") == "yes")
        #expect(config.set([("maxmemory-policy", "foo")]) == failure("maxmemory-policy",
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
            + "allkeys-lru, allkeys-lfu, allkeys-random, noeviction"))
        #expect(config.set([("loglevel", "debug verbose")])
                == failure("loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning"))
        #expect(config.set([("loglevel", "DEBUG")]) == nil)
        #expect(config.get("loglevel") == "debug")
        #expect(config.set([("oom-score-adj", "relative")]) == nil)
        #expect(config.get("oom-score-adj") == "yes", "the first name of a value is printed")
        // Apus compacts its own record slab, so active defragmentation can be turned on (Debian's
        // Redis, built without jemalloc, refuses it).
        #expect(config.set([("activedefrag", "yes")]) == nil)
        #expect(config.get("activedefrag") == "yes")
    }

    @Test func bitFlagEnums() {
        let config = ConfigStore()
        #expect(config.set([("shutdown-on-sigint", "now save")]) == nil)
        #expect(config.get("shutdown-on-sigint") == "save now")
        #expect(config.set([("shutdown-on-sigint", "save nosave")])
                == failure("shutdown-on-sigint", "shutdown options SAVE and NOSAVE can't be used simultaneously"))
        #expect(config.set([("shutdown-on-sigint", "foo")])
                == failure("shutdown-on-sigint", "argument(s) must be one of the following: default, save, nosave, now, force"))
        #expect(config.get("shutdown-on-sigint") == "save now")
        #expect(config.set([("shutdown-on-sigint", "default")]) == nil)
        #expect(config.get("shutdown-on-sigint") == "default")
    }

    @Test func strings() {
        let config = ConfigStore()
        #expect(config.set([("requirepass", "a b")]) == nil)
        #expect(config.get("requirepass") == "a b")
        #expect(config.set([("proc-title-template", "{title}")])
                == failure("proc-title-template", "template format is invalid or contains unknown variables"))
        #expect(config.set([("proc-title-template", "{foo} x")])
                == failure("proc-title-template", "template format is invalid or contains unknown variables"))
        #expect(config.set([("proc-title-template", "{title} {port} {{x}")]) == nil)
        #expect(config.set([("cluster-announce-hostname", "a_b")])
                == failure("cluster-announce-hostname", "Hostnames may only contain alphanumeric characters, hyphens or dots"))
    }

    @Test func save() {
        let config = ConfigStore()
        for bad in ["1 2 3", "0 1", "10 -1", "1 1x", "60  1"] {
            #expect(config.set([("save", bad)]) == failure("save", "Invalid save parameters"), "\(bad)")
        }
        #expect(config.set([("save", "100 1 200 2")]) == nil)
        #expect(config.get("save") == "100 1 200 2")
        #expect(config.set([("save", "")]) == nil)
        #expect(config.get("save") == "")
    }

    @Test func clientOutputBufferLimit() {
        let config = ConfigStore()
        let name = "client-output-buffer-limit"
        #expect(config.set([(name, "foo 1 2 3")]) == failure(name, "Invalid client class specified in buffer limit configuration."))
        #expect(config.set([(name, "master 1 2 3")]) == failure(name, "Invalid client class specified in buffer limit configuration."))
        #expect(config.set([(name, "normal 1 2")]) == failure(name, "Wrong number of arguments in buffer limit configuration."))
        for bad in ["normal 1x 2 3", "normal 1 2 -3", "normal 1 2 3x"] {
            #expect(config.set([(name, bad)]) == failure(name, "Error in hard, soft or soft_seconds setting in buffer limit configuration."))
        }
        #expect(config.set([(name, "normal 1mb 2kb 3")]) == nil)
        #expect(config.get(name) == "normal 1048576 2048 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
        #expect(config.set([(name, "replica 1 2 3 PubSub 1 2 +3")]) == nil)
        #expect(config.get(name) == "normal 1048576 2048 3 slave 1 2 3 pubsub 1 2 3")
        #expect(config.set([(name, "")]) == nil, "no groups changes nothing")
        #expect(config.get(name) == "normal 1048576 2048 3 slave 1 2 3 pubsub 1 2 3")
    }

    @Test func otherSpecials() {
        let config = ConfigStore()
        #expect(config.set([("notify-keyspace-events", "Q")])
                == failure("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))
        let cases = [("KEA", "AKE"), ("Kx$", "$xK"), ("Ex", "xE"), ("Agm", "Am"), ("g$lshzxetd", "A"),
                     ("KEn", "nKE"), ("An", "A"), ("Exg", "gxE"), ("", "")]
        for (input, expected) in cases {
            #expect(config.set([("notify-keyspace-events", input)]) == nil)
            #expect(config.get("notify-keyspace-events") == expected, "\(input)")
        }
        #expect(config.set([("oom-score-adj-values", "1 2")]) == failure("oom-score-adj-values", "wrong number of arguments"))
        #expect(config.set([("oom-score-adj-values", "0 200 800 ")]) == failure("oom-score-adj-values", "wrong number of arguments"))
        #expect(config.set([("oom-score-adj-values", "1 2 3000")])
                == failure("oom-score-adj-values", "Invalid oom-score-adj-values, elements must be between -2000 and 2000."))
        #expect(config.set([("bind", "127.0.0.1 -::1")]) == nil)
        #expect(config.bindAddresses() == ["127.0.0.1", "-::1"])
        #expect(config.set([("bind", (1...17).map(String.init).joined(separator: " "))])
                == failure("bind", "Too many bind addresses specified."))
        #expect(config.set([("latency-tracking-info-percentiles", "1 2.5 99.999")]) == nil)
        #expect(config.get("latency-tracking-info-percentiles") == "1 2.5 99.999")
        #expect(config.set([("latency-tracking-info-percentiles", "101")]) == failure("latency-tracking-info-percentiles",
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"))
        #expect(config.set([("latency-tracking-info-percentiles", "abc")])
                == failure("latency-tracking-info-percentiles", "Invalid latency-tracking-info-percentiles parameters"))
        #expect(config.set([("latency-tracking-info-percentiles", "")]) == nil)
        #expect(config.get("latency-tracking-info-percentiles") == "")
    }

    @Test func failedSetRollsBackEverything() {
        let config = ConfigStore()
        #expect(config.set([("hz", "7"), ("save", "5 5"), ("maxmemory", "abc")])
                == failure("maxmemory", "argument must be a memory value"))
        #expect(config.get("hz") == "10")
        #expect(config.get("save") == "3600 1 300 100 60 10000")
    }

    @Test func hooksRunAfterValidationAndCanVeto() {
        let config = ConfigStore()
        var calls: [String] = []
        config.onChange("hz") { calls.append("hz=\($0)"); return nil }
        config.onChange("slave-priority") { calls.append("priority=\($0)"); return nil }
        config.onChange("port") { value in
            calls.append("port=\(value)")
            return value == "1" ? "Unable to listen on this port. Check server logs." : nil
        }

        #expect(config.set([("hz", "20"), ("replica-priority", "3")]) == nil)
        #expect(calls == ["hz=20", "priority=3"])

        calls = []
        #expect(config.set([("hz", "20")]) == nil)
        #expect(calls.isEmpty, "hooks run only for changed values")

        calls = []
        #expect(config.set([("hz", "30"), ("port", "1")])
                == failure("port", "Unable to listen on this port. Check server logs."))
        #expect(calls == ["hz=30", "port=1", "hz=20"], "the accepted hook gets the old value back")
        #expect(config.get("hz") == "20")
        #expect(config.get("port") == "6379")

        calls = []
        #expect(config.set([("hz", "40"), ("maxmemory", "x")]) == failure("maxmemory", "argument must be a memory value"))
        #expect(calls.isEmpty, "no hook runs when validation fails")
    }

    @Test func groupHookRunsOncePerCall() {
        let config = ConfigStore()
        var seen: [String] = []
        config.onChange(["tls-cert-file", "tls-key-file", "tls-protocols"]) {
            seen.append(config.string("tls-cert-file") + "," + config.string("tls-key-file"))
            return nil
        }
        #expect(config.set([("tls-cert-file", "a.crt"), ("tls-key-file", "a.key"), ("tls-protocols", "TLSv1.3")]) == nil)
        #expect(seen == ["a.crt,a.key"], "one run, seeing every new value")
        seen = []
        #expect(config.set([("tls-key-file", "b.key")]) == nil)
        #expect(seen == ["a.crt,b.key"])
        seen = []
        #expect(config.set([("tls-key-file", "b.key")]) == nil)
        #expect(seen.isEmpty, "nothing changed")
    }

    @Test func protectedAndLoadingChecks() throws {
        let config = ConfigStore()
        try config.load(arguments: ["--enable-protected-configs", "local"])
        #expect(config.set([("dbfilename", "a.rdb")]) == failure("dbfilename", "can't set protected config"))
        #expect(config.set([("dbfilename", "a.rdb")], clientIsLocal: true) == nil)
        #expect(config.set([("dbfilename", "a/b")], clientIsLocal: true)
                == failure("dbfilename", "dbfilename can't be a path, just a filename"))
        config.isLoadingDataset = true
        #expect(config.set([("appendonly", "yes")]) == "LOADING Redis is loading the dataset in memory")
        #expect(config.set([("hz", "5")]) == nil)
    }

    @Test func setInternalBypassesImmutability() {
        let config = ConfigStore()
        #expect(config.setInternal("replicaof", ["127.0.0.1", "6380"]) == nil)
        #expect(config.get("slaveof") == "127.0.0.1 6380")
        #expect(config.replicaOf()! == ("127.0.0.1", 6380))
        #expect(config.setInternal("replicaof", ["no", "one"]) == nil)
        #expect(config.get("replicaof") == "")
        #expect(config.setInternal("replicaof", ["h", "70000"]) == "Invalid master port")
    }
}
