import Glibc

// Redis's bio thread for the AOF (bio.c: BIO_AOF_FSYNC, BIO_CLOSE_FILE): fsyncs and closes
// that must not stall the event loop. The thread touches nothing of the server: it takes file
// descriptors from a locked queue and counts what is still pending, which the loop reads
// (aofFsyncInProgress, aof_pending_bio_fsync) under the same lock.

final class AOFBackgroundJobs {
    private enum Job { case fsync(Int32), close(Int32) }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeup = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job] = []
    private var pendingFsyncCount = 0
    private var started = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wakeup, nil)
    }

    /// Fsyncs queued or running (aof_pending_bio_fsync; non-zero is aofFsyncInProgress).
    var pendingFsyncs: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return pendingFsyncCount
    }

    /// aof_background_fsync.
    func fsync(_ fd: Int32) { submit(.fsync(fd)) }

    /// bioCreateCloseJob: closing the last reference of a big unlinked file frees its blocks,
    /// which can take long.
    func close(_ fd: Int32) { submit(.close(fd)) }

    private func submit(_ job: Job) {
        startIfNeeded()
        pthread_mutex_lock(mutex)
        jobs.append(job)
        if case .fsync = job { pendingFsyncCount += 1 }
        pthread_cond_signal(wakeup)
        pthread_mutex_unlock(mutex)
    }

    private func startIfNeeded() {
        guard !started else { return }
        started = true
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            Unmanaged<AOFBackgroundJobs>.fromOpaque(context!).takeUnretainedValue().work()
            return nil
        }, context)
        pthread_detach(thread)
    }

    private func work() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty { pthread_cond_wait(wakeup, mutex) }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            switch job {
            case .fsync(let fd):
                // redis_fsync is fdatasync on Linux; EBADF/EINVAL (a file closed meanwhile) is ignored.
                _ = fdatasync(fd)
                pthread_mutex_lock(mutex)
                pendingFsyncCount -= 1
                pthread_mutex_unlock(mutex)
            case .close(let fd):
                _ = Glibc.close(fd)
            }
        }
    }
}
