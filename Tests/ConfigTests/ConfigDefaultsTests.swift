import Testing
@testable import Config

@Suite struct ConfigDefaultsTests {
    @Test func everyDefaultMatchesRedis() {
        let config = ConfigStore()
        let ours = Dictionary(config.getMatching(["*"]), uniquingKeysWith: { first, _ in first })
        for (name, value) in redis7Defaults {
            #expect(ours[name] == value, "\(name)")
        }
        let extra = Set(ours.keys).subtracting(redis7Defaults.keys).subtracting(["dir"])
        #expect(extra.isEmpty, "not in Redis's CONFIG GET *: \(extra.sorted())")
        #expect(ours["dir"] == currentDirectory())
    }

    @Test func hiddenDirectivesAnswerOnlyExactNames() {
        let config = ConfigStore()
        let hidden = ["use-exit-on-panic", "rdb-key-save-delay", "key-load-delay", "watchdog-period",
                      "loading-process-events-interval-bytes"]
        for name in hidden {
            #expect(config.get(name) != nil, "\(name)")
            #expect(config.getMatching([name]).count == 1)
            #expect(config.getMatching([name + "*"]).isEmpty)
        }
        #expect(config.get("loading-process-events-interval-bytes") == "2097152")
    }

    @Test func typedReads() {
        let config = ConfigStore()
        #expect(config.int("hz") == 10)
        #expect(config.int("maxmemory") == 0)
        #expect(config.int("proto-max-bulk-len") == 512 * 1024 * 1024)
        #expect(config.int("list-max-ziplist-size") == -2)
        #expect(config.bool("appendonly") == false)
        #expect(config.bool("slave-read-only"))
        #expect(config.string("maxmemory-policy") == "noeviction")
        #expect(config.int("loglevel") == 2)
        #expect(config.saveSchedule().map { [$0.seconds, $0.changes] } == [[3600, 1], [300, 100], [60, 10000]])
        #expect(config.bindAddresses() == ["*", "-::*"])
        #expect(config.replicaOf() == nil)
        #expect(config.oomScoreAdjValues() == [0, 200, 800])
        #expect(config.latencyTrackingPercentiles() == [50, 99, 99.9])
        let limits = config.clientOutputBufferLimits()
        #expect(limits.map(\.clientClass) == ["normal", "slave", "pubsub"])
        #expect(limits[1].hard == 256 << 20 && limits[1].soft == 64 << 20 && limits[1].softSeconds == 60)
        #expect(config.canonicalName("SLAVEOF") == "replicaof")
        #expect(config.isSensitive("requirepass") && config.isSensitive("masterauth") && !config.isSensitive("port"))
    }
}
