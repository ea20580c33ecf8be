import Config
import RESP
import Store
import Util

// PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST (hyperloglog.c). The value is an ordinary
// string in Redis's HLL format (Store's HyperLogLog); these commands read it, change a working
// copy (or a dense value's registers in place) and store it back raw, as Redis's sds is.

enum HyperLogLogCommands {
    static let handlers: [String: CommandHandler] = [
        "pfadd": pfadd, "pfcount": pfcount, "pfmerge": pfmerge, "pfdebug": pfdebug, "pfselftest": pfselftest,
    ]

    /// isHLLObjectOrReply: false after replying WRONGTYPE (another type, or a string that is not
    /// an HLL).
    static func checkHLL(_ c: Client, _ object: RedisObject) -> Bool {
        if c.wrongType(object, .string) { return false }
        let valid = object.kind != .integer && object.withStringBytes { HyperLogLog.isValid($0) }
        if !valid { c.error(ErrorText.hllNotValid) }
        return valid
    }

    /// Stores `bytes` as the value of `key` (whose current handle is `object`, nil when new).
    static func store(_ c: Client, _ key: UnsafeRawBufferPointer, _ object: RedisObject?, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            if let object {
                if !object.replaceRawBytes(raw) { c.db.set(key, c.stored(RedisObject.rawString(raw)), keepTTL: true) }
            } else {
                c.db.add(key, c.stored(RedisObject.rawString(raw)))
            }
        }
    }

    /// hllAdd over a working copy: raises the element's register, promoting a sparse value to
    /// dense when it must. Nil when the value is corrupt, else whether it changed.
    static func add(_ value: inout [UInt8], _ element: UnsafeRawBufferPointer, maxSparseBytes: Int) -> Bool? {
        let (register, count) = HyperLogLog.registerAndCount(element)
        return set(&value, register, count, maxSparseBytes: maxSparseBytes)
    }

    static func set(_ value: inout [UInt8], _ register: Int, _ count: UInt8, maxSparseBytes: Int) -> Bool? {
        if value[4] == HyperLogLog.sparse {
            switch HyperLogLog.sparseSet(&value, register, count, maxBytes: maxSparseBytes) {
            case .unchanged: return false
            case .updated: return true
            case .corrupt: return nil
            case .promote:
                guard let dense = value.withUnsafeBytes({ HyperLogLog.toDense($0) }) else { return nil }
                value = dense
            }
        }
        return value.withUnsafeMutableBytes { raw in
            HyperLogLog.denseSet(UnsafeMutableRawBufferPointer(rebasing: raw[HyperLogLog.headerSize...]), register, count)
        }
    }

    static func pfadd(_ c: Client) {
        let key = c.arg(1)
        let object = c.lookupWrite(key)
        var updated: Int64 = 0
        var value: [UInt8]
        if let object {
            guard checkHLL(c, object) else { return }
            value = object.stringBytes
        } else {
            value = HyperLogLog.empty()
            updated = 1
        }
        let maxSparse = c.server.settings.hllSparseMaxBytes
        for index in 2..<c.argumentCount {
            guard let changed = add(&value, c.arg(index), maxSparseBytes: maxSparse) else {
                c.error(ErrorText.hllCorrupt)
                return
            }
            if changed { updated += 1 }
        }
        if updated > 0 {
            HyperLogLog.invalidateCache(&value)
            store(c, key, object, value)
            if object != nil { c.signalModified(key) }
            c.notify(KeyspaceEventFlags.string, "pfadd", key)
            c.markDirty(updated)
        }
        c.reply.integer(updated > 0 ? 1 : 0)
    }

    static func pfcount(_ c: Client) {
        if c.argumentCount > 2 {
            var registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
            for index in 1..<c.argumentCount {
                guard let object = c.lookupRead(c.arg(index)) else { continue }
                guard checkHLL(c, object) else { return }
                guard object.withStringBytes({ HyperLogLog.merge($0, into: &registers) }) else {
                    c.error(ErrorText.hllCorrupt)
                    return
                }
            }
            c.reply.integer(Int64(bitPattern: HyperLogLog.estimate(HyperLogLog.histogram(rawRegisters: registers))))
            return
        }
        let key = c.arg(1)
        guard let object = c.lookupRead(key) else {
            c.reply.integer(0)
            return
        }
        guard checkHLL(c, object) else { return }
        if let cached = object.withStringBytes({ HyperLogLog.cachedCardinality($0) }) {
            c.reply.integer(Int64(bitPattern: cached))
            return
        }
        guard let histogram = object.withStringBytes({ HyperLogLog.histogram($0) }) else {
            c.error(ErrorText.hllCorrupt)
            return
        }
        let cardinality = HyperLogLog.estimate(histogram)
        // The cache is part of the value: write it in place (the value is unshared and raw first),
        // and count the change so that it propagates, as Redis does.
        object.write(BitmapCommands.empty, at: object.stringLength)
        object.withMutableStringBytes { HyperLogLog.storeCardinality($0, cardinality) }
        c.signalModified(key)
        c.markDirty()
        c.reply.integer(Int64(bitPattern: cardinality))
    }

    static func pfmerge(_ c: Client) {
        var registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
        var useDense = false
        for index in 1..<c.argumentCount {
            guard let object = c.lookupRead(c.arg(index)) else { continue }
            guard checkHLL(c, object) else { return }
            let (merged, dense) = object.withStringBytes { bytes in
                (HyperLogLog.merge(bytes, into: &registers), bytes[4] == HyperLogLog.dense)
            }
            if dense { useDense = true }
            if !merged {
                c.error(ErrorText.hllCorrupt)
                return
            }
        }
        let key = c.arg(1)
        let object = c.lookupWrite(key)
        var value = object?.stringBytes ?? HyperLogLog.empty()
        if useDense && value[4] == HyperLogLog.sparse {
            guard let dense = value.withUnsafeBytes({ HyperLogLog.toDense($0) }) else {
                c.error(ErrorText.hllCorrupt)
                return
            }
            value = dense
        }
        let maxSparse = c.server.settings.hllSparseMaxBytes
        for (register, count) in registers.enumerated() where count != 0 {
            _ = set(&value, register, count, maxSparseBytes: maxSparse)
        }
        HyperLogLog.invalidateCache(&value)
        store(c, key, object, value)
        if object != nil { c.signalModified(key) }
        c.notify(KeyspaceEventFlags.string, "pfadd", key)
        c.markDirty()
        c.reply.ok()
    }

    static func pfdebug(_ c: Client) {
        let subcommand = c.arg(1)
        let key = c.arg(2)
        guard let object = c.lookupWrite(key) else {
            c.error(ErrorText.hllNoKey)
            return
        }
        guard checkHLL(c, object) else { return }
        var value = object.stringBytes
        let name = String(decoding: subcommand, as: UTF8.self)
        func arityError() { c.error("ERR Wrong number of arguments for the '\(name)' subcommand") }
        /// Makes the value dense; nil after a corruption error, else whether it converted.
        func densify() -> Bool? {
            if value[4] != HyperLogLog.sparse { return false }
            guard let dense = value.withUnsafeBytes({ HyperLogLog.toDense($0) }) else {
                c.error(ErrorText.hllCorrupt)
                return nil
            }
            value = dense
            store(c, key, object, value)
            c.markDirty()
            return true
        }
        if c.argIs(1, "getreg") {
            if c.argumentCount != 3 { return arityError() }
            guard densify() != nil else { return }
            c.reply.arrayHeader(HyperLogLog.registerCount)
            value.withUnsafeBytes { raw in
                let registers = UnsafeRawBufferPointer(rebasing: raw[HyperLogLog.headerSize...])
                for index in 0..<HyperLogLog.registerCount {
                    c.reply.integer(Int64(HyperLogLog.denseRegister(registers, index)))
                }
            }
        } else if c.argIs(1, "decode") {
            if c.argumentCount != 3 { return arityError() }
            if value[4] != HyperLogLog.sparse {
                c.error(ErrorText.hllNotSparse)
                return
            }
            var text: [String] = []
            var p = HyperLogLog.headerSize
            while p < value.count {
                let byte = value[p]
                if byte & 0xC0 == 0 {
                    text.append("z:\(Int(byte & 0x3F) + 1)")
                    p += 1
                } else if byte & 0xC0 == 0x40 {
                    let low = p + 1 < value.count ? Int(value[p + 1]) : 0
                    text.append("Z:\((Int(byte & 0x3F) << 8 | low) + 1)")
                    p += 2
                } else {
                    text.append("v:\(Int((byte >> 2) & 0x1F) + 1),\(Int(byte & 3) + 1)")
                    p += 1
                }
            }
            c.reply.bulk(text.joined(separator: " "))
        } else if c.argIs(1, "encoding") {
            if c.argumentCount != 3 { return arityError() }
            if value[4] == HyperLogLog.dense { c.reply.simple("dense") } else { c.reply.simple("sparse") }
        } else if c.argIs(1, "todense") {
            if c.argumentCount != 3 { return arityError() }
            guard let converted = densify() else { return }
            c.reply.integer(converted ? 1 : 0)
        } else {
            c.error("ERR Unknown PFDEBUG subcommand '\(name)'")
        }
    }

    /// PFSELFTEST: the register accessors, then the estimate of a sparse and a dense HLL fed the
    /// same elements, which must agree and stay within the expected error.
    static func pfselftest(_ c: Client) {
        var generator = SystemRandomNumberGenerator()
        var dense = [UInt8](repeating: 0, count: HyperLogLog.denseSize - HyperLogLog.headerSize)
        for _ in 0..<1000 {
            var expected = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
            dense.withUnsafeMutableBytes { raw in
                for index in 0..<HyperLogLog.registerCount {
                    let value = UInt8.random(in: 0...HyperLogLog.registerMax, using: &generator)
                    expected[index] = value
                    HyperLogLog.setDenseRegister(raw, index, value)
                }
            }
            let mismatch = dense.withUnsafeBytes { raw in
                (0..<HyperLogLog.registerCount).first { HyperLogLog.denseRegister(raw, $0) != expected[$0] }
            }
            if let mismatch {
                c.error("TESTFAILED Register error at \(mismatch)")
                return
            }
        }
        var sparseValue = HyperLogLog.empty()
        var denseValue = HyperLogLog.empty()
        denseValue = denseValue.withUnsafeBytes { HyperLogLog.toDense($0)! }
        let relativeError = 1.04 / Double(HyperLogLog.registerCount).squareRoot()
        var checkpoint = 1
        var seed = UInt64.random(in: 0...UInt64.max, using: &generator)
        for count in 1...100_000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            withUnsafeBytes(of: seed) { element in
                _ = add(&sparseValue, element, maxSparseBytes: 3000)
                _ = add(&denseValue, element, maxSparseBytes: 3000)
            }
            if count != checkpoint { continue }
            let sparseEstimate = sparseValue.withUnsafeBytes { HyperLogLog.estimate(HyperLogLog.histogram($0)!) }
            let denseEstimate = denseValue.withUnsafeBytes { HyperLogLog.estimate(HyperLogLog.histogram($0)!) }
            if sparseEstimate != denseEstimate {
                c.error("TESTFAILED dense/sparse disagree: \(denseEstimate) != \(sparseEstimate)")
                return
            }
            let absoluteError = abs(Double(checkpoint) - Double(denseEstimate))
            // Small cardinalities are exact or almost; allow the 5-sigma band with a floor of 1.
            let maxError = max(1, relativeError * 5 * Double(checkpoint))
            if absoluteError > maxError {
                c.error("TESTFAILED Too big error. card:\(denseEstimate) abserr:\(absoluteError)")
                return
            }
            checkpoint *= 10
        }
        c.reply.ok()
    }
}
