// DEBUG SDSLEN's allocation figures for a string key. Apus has no sds: the key (and a short
// value) live inside the key's record, a long value in a separate buffer, both exactly sized.

extension MemoryUsage {
    /// The record's bytes (key_zmalloc) and the value's own bytes (val_zmalloc): the external
    /// buffer, or for an inline value the record bytes the key leaves to it.
    public static func stringAllocation(_ object: RedisObject, keyLength: Int) -> (key: Int, value: Int) {
        let record = KeyRecord.capacity(object.record)
        switch object.kind {
        case .external: return (record, ExternalString.allocatedSize(object.pointerValue))
        default: return (record, Swift.max(0, record - keyLength))
        }
    }
}
