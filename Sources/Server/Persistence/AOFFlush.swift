import CEpoll
import Glibc

// flushAppendOnlyFile (aof.c, 7.0), called in before-sleep before any reply is written, so a
// client hears back only about writes that reached the file (and, with `always`, the disk).
// With `everysec` the fsync runs on the background thread; while one is still running, the
// write is postponed for up to 2 s, as Redis does, so the loop never blocks behind the disk.

extension Server {
    func flushAppendOnlyFile(force: Bool) {
        let aof = self.aof
        guard aof.fd >= 0 else { return }
        let second = now / 1000
        var syncInProgress = false
        if aof.buffer.isEmpty {
            // An everysec fsync may still be owed for bytes written earlier.
            if aof.policy == .everysec && aof.fsyncOffset != aof.currentSize && second > aof.lastFsyncSecond {
                syncInProgress = aof.jobs.pendingFsyncs > 0
                if !syncInProgress { fsyncAOFIfDue(second: second, syncInProgress: false) }
            }
            return
        }
        if aof.policy == .everysec { syncInProgress = aof.jobs.pendingFsyncs > 0 }
        if aof.policy == .everysec && !force && syncInProgress {
            if aof.flushPostponedSince == 0 {
                aof.flushPostponedSince = second
                return
            } else if second - aof.flushPostponedSince < 2 {
                return
            }
            aof.delayedFsyncs += 1
            logger.notice("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.")
        }
        let expected = aof.buffer.count
        if debug.aofFlushSleepMicroseconds > 0 { usleep(useconds_t(debug.aofFlushSleepMicroseconds)) }
        let writeStart = apus_monotonic_us()
        var written = aof.buffer.withUnsafeBytes { Server.writeFully(aof.fd, $0) }
        if settings.latencyMonitorThreshold > 0 {
            // Redis's three situations of a slow write, and all of them together.
            let milliseconds = (apus_monotonic_us() - writeStart) / 1000
            let threshold = settings.latencyMonitorThreshold
            if syncInProgress {
                latency.addSampleIfNeeded("aof-write-pending-fsync", milliseconds: milliseconds, threshold: threshold)
            } else if persistence.hasActiveChild {
                latency.addSampleIfNeeded("aof-write-active-child", milliseconds: milliseconds, threshold: threshold)
            } else {
                latency.addSampleIfNeeded("aof-write-alone", milliseconds: milliseconds, threshold: threshold)
            }
            latency.addSampleIfNeeded("aof-write", milliseconds: milliseconds, threshold: threshold)
        }
        aof.flushPostponedSince = 0
        if written != expected {
            if written == -1 {
                aof.lastWriteErrno = errno
                logger.warning("Error writing to the AOF file: \(String(cString: strerror(errno)))")
            } else {
                logger.warning("Short write while writing to the AOF file: (nwritten=\(written), expected=\(expected))")
                if ftruncate(aof.fd, off_t(aof.lastIncrSize)) == -1 {
                    logger.warning("Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: \(String(cString: strerror(errno)))")
                } else {
                    written = -1
                }
                aof.lastWriteErrno = ENOSPC
            }
            if aof.policy == .always {
                logger.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
                exit(1)
            }
            if written > 0 {
                aof.currentSize += Int64(written)
                aof.lastIncrSize += Int64(written)
                aof.buffer.removeFirst(written)
            }
            aof.lastWriteOK = false
            return
        }
        if !aof.lastWriteOK {
            logger.warning("AOF write error looks solved, Redis can write again.")
            aof.lastWriteOK = true
        }
        aof.currentSize += Int64(written)
        aof.lastIncrSize += Int64(written)
        aof.buffer.removeAll(keepingCapacity: aof.buffer.capacity <= 4 * 1024 * 1024)
        fsyncAOFIfDue(second: second, syncInProgress: syncInProgress)
    }

    private func fsyncAOFIfDue(second: Int64, syncInProgress: Bool) {
        switch aof.policy {
        case .always:
            let start = apus_monotonic_us()
            defer {
                latency.addSampleIfNeeded("aof-fsync-always", milliseconds: (apus_monotonic_us() - start) / 1000,
                                          threshold: settings.latencyMonitorThreshold)
            }
            if fdatasync(aof.fd) == -1 {
                logger.warning("Can't persist AOF for fsync error when the AOF fsync policy is 'always': \(String(cString: strerror(errno))). Exiting...")
                exit(1)
            }
            aof.fsyncOffset = aof.currentSize
            aof.lastFsyncSecond = second
        case .everysec where second > aof.lastFsyncSecond:
            if !syncInProgress {
                aof.jobs.fsync(aof.fd)
                aof.fsyncOffset = aof.currentSize
            }
            aof.lastFsyncSecond = second
        default:
            break
        }
    }

    /// aofWrite: retries partial writes and EINTR; the bytes written, or -1 if none.
    static func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        var total = 0
        while total < bytes.count {
            let n = write(fd, bytes.baseAddress! + total, bytes.count - total)
            if n < 0 {
                if errno == EINTR { continue }
                return total > 0 ? total : -1
            }
            total += n
        }
        return total
    }

    /// aofRewriteLimited: after three failed rewrites in a row, automatic ones wait 1, 2, 4 ...
    /// up to 60 minutes between attempts, so a full disk is not hammered with forks.
    func aofRewriteLimited() -> Bool {
        let nowSeconds = now / 1000
        guard aof.consecutiveRewriteFailures >= 3 else {
            aof.rewriteLimitDelayMinutes = 0
            aof.rewriteLimitNextTime = 0
            return false
        }
        if aof.rewriteLimitNextTime != 0 {
            if nowSeconds < aof.rewriteLimitNextTime { return true }
            aof.rewriteLimitNextTime = 0
            return false
        }
        aof.rewriteLimitDelayMinutes = min(aof.rewriteLimitDelayMinutes == 0 ? 1 : aof.rewriteLimitDelayMinutes * 2, 60)
        aof.rewriteLimitNextTime = nowSeconds + Int64(aof.rewriteLimitDelayMinutes) * 60
        logger.warning("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in \(aof.rewriteLimitDelayMinutes) minutes")
        return true
    }

    /// The AOF's share of serverCron: retry a postponed or failed write, start a scheduled or
    /// automatic rewrite.
    func aofCron() {
        guard aof.status != .off || aof.rewriteScheduled else { return }
        if aof.status == .on && aof.flushPostponedSince != 0 { flushAppendOnlyFile(force: false) }
        if aof.status == .on && !aof.lastWriteOK && cronLoops % Int64(max(1, settings.hz)) == 0 {
            flushAppendOnlyFile(force: false)
        }
        // One child at a time: a scheduled or automatic rewrite waits for the running one.
        guard !persistence.hasActiveChild else { return }
        if aof.rewriteScheduled && !aofRewriteLimited() {
            aof.rewriteScheduled = false
            _ = rewriteAppendOnlyFile()
            return
        }
        let percentage = config.int("auto-aof-rewrite-percentage")
        if aof.status == .on && percentage > 0 && aof.currentSize > config.int("auto-aof-rewrite-min-size") {
            let base = aof.rewriteBaseSize > 0 ? aof.rewriteBaseSize : 1
            let growth = aof.currentSize * 100 / base - 100
            if growth >= percentage && !aofRewriteLimited() {
                logger.notice("Starting automatic rewriting of AOF on \(growth)% growth")
                _ = rewriteAppendOnlyFile()
            }
        }
    }
}
