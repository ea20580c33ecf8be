import Persistence
import Store

// The encoding thresholds a server starts with (redis.conf defaults), or tiny ones so that small
// inputs cross every conversion (listpack → table, intset → table, packed → plain list nodes).

public enum LoadLimits {
    public static let defaults = RDBLoadLimits(
        hash: HashLimits(maxListpackEntries: 128, maxListpackValue: 64),
        zset: ZSetLimits(maxListpackEntries: 128, maxListpackValue: 64),
        setMaxIntsetEntries: 512, listFill: -2, listCompressDepth: 0, sharedIntegersAllowed: true)

    public static let tiny = RDBLoadLimits(
        hash: HashLimits(maxListpackEntries: 2, maxListpackValue: 4),
        zset: ZSetLimits(maxListpackEntries: 2, maxListpackValue: 4),
        setMaxIntsetEntries: 2, listFill: 2, listCompressDepth: 1, sharedIntegersAllowed: false)

    /// Chosen by one byte of the input.
    public static func chosen(_ selector: UInt8) -> RDBLoadLimits { selector & 1 == 0 ? defaults : tiny }
}
