// The list type (t_list.c's listType*, Redis 7.0): always a quicklist, whatever its size, so
// OBJECT ENCODING answers "quicklist" for every list, as 7.0 does.

public enum ListType {
    /// createQuicklistObject with the server's list-max-listpack-size and list-compress-depth.
    public static func create(fill: Int, compressDepth: Int) -> RedisObject {
        RedisObject.collection(.list, .quicklist, QuickList(fill: fill, compressDepth: compressDepth))
    }

    @inlinable
    public static func quicklist(_ object: RedisObject) -> QuickList {
        unsafeDowncast(object.payload!, to: QuickList.self)
    }

    /// LLEN.
    @inlinable
    public static func length(_ object: RedisObject) -> Int { quicklist(object).count }

    /// A private deep copy (COPY).
    public static func duplicate(_ object: RedisObject) -> RedisObject {
        RedisObject.collection(.list, .quicklist, quicklist(object).duplicate())
    }
}
