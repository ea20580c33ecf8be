// maxmemory-policy, as Redis's MAXMEMORY_* values: which keys may go (all, or those with a TTL)
// and how the victim is chosen (approximate LRU or LFU through the pool, the nearest expire
// through the pool, or at random); noeviction refuses memory-growing commands instead.

public enum EvictionPolicy: Equatable {
    case volatileLRU, volatileLFU, volatileRandom, volatileTTL
    case allKeysLRU, allKeysLFU, allKeysRandom
    case noEviction

    init(_ name: String) {
        switch name {
        case "volatile-lru": self = .volatileLRU
        case "volatile-lfu": self = .volatileLFU
        case "volatile-random": self = .volatileRandom
        case "volatile-ttl": self = .volatileTTL
        case "allkeys-lru": self = .allKeysLRU
        case "allkeys-lfu": self = .allKeysLFU
        case "allkeys-random": self = .allKeysRandom
        default: self = .noEviction
        }
    }

    /// MAXMEMORY_FLAG_ALLKEYS: sampled from the whole keyspace, not only keys with a TTL.
    var allKeys: Bool { self == .allKeysLRU || self == .allKeysLFU || self == .allKeysRandom }
    /// Chosen through the eviction pool (LRU, LFU, TTL) rather than at random.
    var usesPool: Bool { self != .volatileRandom && self != .allKeysRandom && self != .noEviction }
    var usesLFU: Bool { self == .volatileLFU || self == .allKeysLFU }
    var usesLRU: Bool { self == .volatileLRU || self == .allKeysLRU }
}
