import Util

// feedAppendOnlyFile (aof.c, 7.0): the AOF's consumer of the propagation stream. Each command
// arrives as RESP already (MULTI/EXEC around a unit of several); a SELECT goes before it when
// its database is not the file's, and `#TS:<unix>` once per second with aof-timestamp-enabled.

extension Server {
    func installAOFConsumer() {
        guard aof.consumerToken == nil else { return }
        aof.consumerToken = propagation.addConsumer(kind: 1) { [unowned self] db, command in self.feedAppendOnlyFile(db: db, command) }
    }

    func feedAppendOnlyFile(db: Int, _ command: UnsafeRawBufferPointer) {
        let aof = self.aof
        guard aof.status != .off, !aof.loading else { return }
        if aof.timestampsEnabled {
            let second = now / 1000
            if aof.annotatedSecond < second {
                appendAOFTimestamp(second)
            }
        }
        if db != aof.selectedDB {
            appendSelect(db, to: &aof.buffer)
            aof.selectedDB = db
        }
        aof.buffer.append(contentsOf: command)
    }

    /// genAofTimestampAnnotationIfNeeded.
    func appendAOFTimestamp(_ second: Int64) {
        aof.annotatedSecond = second
        aof.buffer.append(contentsOf: "#TS:".utf8)
        appendDecimalText(second, to: &aof.buffer)
        aof.buffer.append(contentsOf: [13, 10])
    }
}

/// `*2\r\n$6\r\nSELECT\r\n$<n>\r\n<db>\r\n`, as Redis writes it.
func appendSelect(_ db: Int, to bytes: inout [UInt8]) {
    bytes.append(contentsOf: "*2\r\n$6\r\nSELECT\r\n$".utf8)
    appendDecimalText(Int64(decimalLength(Int64(db))), to: &bytes)
    bytes.append(contentsOf: [13, 10])
    appendDecimalText(Int64(db), to: &bytes)
    bytes.append(contentsOf: [13, 10])
}

func appendDecimalText(_ value: Int64, to bytes: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { scratch in
        let length = writeDecimal(value, to: scratch.baseAddress!)
        bytes.append(contentsOf: UnsafeBufferPointer(start: scratch.baseAddress!, count: length))
    }
}
