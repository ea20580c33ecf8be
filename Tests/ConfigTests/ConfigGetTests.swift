import Testing
@testable import Config

@Suite struct ConfigGetTests {
    @Test func exactNamesKeepTheCallersSpelling() {
        let config = ConfigStore()
        #expect(config.getMatching(["HZ"]).map { [$0.0, $0.1] } == [["HZ", "10"]])
        #expect(config.getMatching(["HZ", "hz"]).map(\.0) == ["HZ"], "each config once, whatever the case")
        #expect(config.getMatching(["hz", "h?"]).map(\.0) == ["hz"])
        #expect(config.getMatching(["nosuch"]).isEmpty)
        #expect(config.get("NoSuch") == nil)
    }

    @Test func globsMatchNamesAndAliasesWithoutCase() {
        let config = ConfigStore()
        #expect(config.getMatching(["H?"]).map(\.0) == ["hz"])
        #expect(Set(config.getMatching(["slaveof", "replicaof"]).map(\.0)) == ["slaveof", "replicaof"])
        #expect(Set(config.getMatching(["*max*ziplist*"]).map(\.0)) == [
            "hash-max-ziplist-entries", "hash-max-ziplist-value", "zset-max-ziplist-value",
            "list-max-ziplist-size", "zset-max-ziplist-entries",
        ])
        let maxmemory = Set(config.getMatching(["maxmemory*"]).map(\.0))
        #expect(maxmemory == ["maxmemory", "maxmemory-policy", "maxmemory-clients", "maxmemory-eviction-tenacity",
                              "maxmemory-samples"])
        let all = config.getMatching(["*", "hz", "maxmemory*"])
        #expect(all.count == Set(all.map(\.0)).count, "no duplicates across patterns")
        #expect(all.count == redis7Defaults.count + 1, "Redis's list plus dir")
    }

    @Test func aliasesShareTheValue() {
        let config = ConfigStore()
        #expect(config.set([("hash-max-ziplist-entries", "100")]) == nil)
        #expect(config.get("hash-max-listpack-entries") == "100")
        #expect(config.set([("lua-time-limit", "7")]) == nil)
        #expect(config.get("busy-reply-threshold") == "7")
    }
}
