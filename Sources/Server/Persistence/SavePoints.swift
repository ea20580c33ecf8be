import Config

// The `save` directive's points ("save 3600 1 300 100"): the cron starts a BGSAVE once a point's
// number of changes has accumulated and its seconds have passed since the last save, as
// serverCron does.

struct SavePoint: Equatable {
    var seconds: Int64
    var changes: Int64

    /// CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, seconds before a save point retries.
    static let retryDelay: Int64 = 5

    /// The first point that is due, or nil: enough changes, more than its seconds since the last
    /// successful save, and the last attempt succeeded or is over the retry delay ago.
    static func due(_ points: [SavePoint], dirty: Int64, now: Int64, lastSave: Int64,
                    lastTry: Int64, lastOK: Bool) -> SavePoint? {
        guard lastOK || now - lastTry > retryDelay else { return nil }
        return points.first { dirty >= $0.changes && now - lastSave > $0.seconds }
    }
}

extension Server {
    /// Reads `save` and stop-writes-on-bgsave-error now and after each CONFIG SET of them.
    func installPersistenceHooks() {
        reloadPersistenceSettings()
        for name in ["save", "stop-writes-on-bgsave-error"] {
            config.onChange(name) { [unowned self] _ in
                self.reloadPersistenceSettings()
                return nil
            }
        }
    }

    private func reloadPersistenceSettings() {
        persistence.savePoints = config.saveSchedule().map { SavePoint(seconds: $0.seconds, changes: $0.changes) }
        persistence.stopWritesOnError = config.bool("stop-writes-on-bgsave-error")
    }

    /// From the cron when no child runs: a BGSAVE for the first save point that is due, then a
    /// scheduled BGSAVE (BGSAVE SCHEDULE) once the retry delay allows.
    func startDueBackgroundSave() {
        let unixNow = now / 1000
        if let point = SavePoint.due(persistence.savePoints, dirty: dirty, now: unixNow,
                                     lastSave: persistence.lastSave, lastTry: persistence.lastBackgroundSaveTry,
                                     lastOK: persistence.lastBackgroundSaveOK) {
            logger.notice("\(point.changes) changes in \(point.seconds) seconds. Saving...")
            _ = startBackgroundSave()
        }
        if !persistence.hasActiveChild && persistence.backgroundSaveScheduled
            && (unixNow - persistence.lastBackgroundSaveTry > SavePoint.retryDelay || persistence.lastBackgroundSaveOK) {
            if startBackgroundSave() { persistence.backgroundSaveScheduled = false }
        }
    }
}
