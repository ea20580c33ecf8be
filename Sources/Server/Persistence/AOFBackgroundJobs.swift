import Glibc

// Redis's bio thread for the AOF (bio.c: BIO_AOF_FSYNC, BIO_CLOSE_FILE): fsyncs and closes
// that must not stall the event loop. The thread takes file descriptors from a locked queue and
// counts what is still pending, which the loop reads (aofFsyncInProgress,
// aof_pending_bio_fsync) under the same lock.
//
// The queue lives in manually allocated memory and the thread touches no Swift object: release
// builds compile this module with -assume-single-threaded (non-atomic retain and release), so
// a reference count changed from a second thread could be lost.

final class AOFBackgroundJobs {
    private let queue = UnsafeMutablePointer<BackgroundQueue>.allocate(capacity: 1)
    private var started = false

    init() {
        queue.initialize(to: BackgroundQueue())
    }

    /// Fsyncs queued or running (aof_pending_bio_fsync; non-zero is aofFsyncInProgress).
    var pendingFsyncs: Int {
        let queue = queue
        pthread_mutex_lock(queue.pointee.mutex)
        defer { pthread_mutex_unlock(queue.pointee.mutex) }
        return queue.pointee.pendingFsyncCount
    }

    /// aof_background_fsync.
    func fsync(_ fd: Int32) { submit(BackgroundJob(kind: .fsync, fd: fd)) }

    /// bioCreateCloseJob: closing the last reference of a big unlinked file frees its blocks,
    /// which can take long.
    func close(_ fd: Int32) { submit(BackgroundJob(kind: .close, fd: fd)) }

    private func submit(_ job: BackgroundJob) {
        startIfNeeded()
        queue.push(job)
    }

    private func startIfNeeded() {
        guard !started else { return }
        started = true
        var thread = pthread_t()
        pthread_create(&thread, nil, { context in
            runBackgroundJobs(context!.assumingMemoryBound(to: BackgroundQueue.self))
            return nil
        }, UnsafeMutableRawPointer(queue))
        pthread_detach(thread)
    }
}

private struct BackgroundJob {
    enum Kind { case fsync, close }
    var kind: Kind
    var fd: Int32
}

/// A growable ring of jobs under a mutex: plain memory only, no Swift references. Reached only
/// through its pointer (never as an inout struct), so that every access after a lock or a wait
/// reads the memory again.
private struct BackgroundQueue {
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let wakeup = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    var ring = UnsafeMutablePointer<BackgroundJob>.allocate(capacity: 16)
    var capacity = 16
    var head = 0
    var count = 0
    var pendingFsyncCount = 0

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wakeup, nil)
    }
}

extension UnsafeMutablePointer where Pointee == BackgroundQueue {
    fileprivate func push(_ job: BackgroundJob) {
        pthread_mutex_lock(pointee.mutex)
        if pointee.count == pointee.capacity {
            let capacity = pointee.capacity
            let grown = UnsafeMutablePointer<BackgroundJob>.allocate(capacity: capacity * 2)
            for index in 0..<capacity { grown[index] = pointee.ring[(pointee.head + index) % capacity] }
            pointee.ring.deallocate()
            pointee.ring = grown
            pointee.capacity = capacity * 2
            pointee.head = 0
        }
        pointee.ring[(pointee.head + pointee.count) % pointee.capacity] = job
        pointee.count += 1
        if job.kind == .fsync { pointee.pendingFsyncCount += 1 }
        pthread_cond_signal(pointee.wakeup)
        pthread_mutex_unlock(pointee.mutex)
    }

    /// The oldest job, waiting for one.
    fileprivate func pop() -> BackgroundJob {
        pthread_mutex_lock(pointee.mutex)
        while pointee.count == 0 { pthread_cond_wait(pointee.wakeup, pointee.mutex) }
        let job = pointee.ring[pointee.head]
        pointee.head = (pointee.head + 1) % pointee.capacity
        pointee.count -= 1
        pthread_mutex_unlock(pointee.mutex)
        return job
    }

    fileprivate func fsyncDone() {
        pthread_mutex_lock(pointee.mutex)
        pointee.pendingFsyncCount -= 1
        pthread_mutex_unlock(pointee.mutex)
    }
}

/// The thread's loop.
private func runBackgroundJobs(_ queue: UnsafeMutablePointer<BackgroundQueue>) {
    while true {
        let job = queue.pop()
        switch job.kind {
        case .fsync:
            // redis_fsync is fdatasync on Linux; EBADF/EINVAL (a file closed meanwhile) is ignored.
            _ = fdatasync(job.fd)
            queue.fsyncDone()
        case .close:
            _ = Glibc.close(job.fd)
        }
    }
}
