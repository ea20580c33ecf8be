import CEpoll
import Glibc

// oom-score-adj (setOOMScoreAdj): the kernel's OOM-killer preference for this process, from
// oom-score-adj-values by role — master, replica, or a forked child (bgchild) — written to
// /proc/self/oom_score_adj at start-up, on CONFIG SET, on a role change and in forked children.
// "relative" adds the score the process started with; "no" puts that original score back.

enum OOMProcessClass: Int {
    case master = 0
    case replica = 1
    case backgroundChild = 2
}

struct OOMScoreState {
    /// Set once Apus has changed the score, with the score from before (oom_score_adj_base).
    var adjusted = false
    var base: Int32 = 0
}

extension Server {
    /// Applies the configured score for `processClass` (nil: master or replica by our role).
    /// False after logging when /proc/self/oom_score_adj can't be read or written.
    @discardableResult
    func setOOMScoreAdj(_ processClass: OOMProcessClass? = nil) -> Bool {
        let processClass = processClass ?? (replication.isReplica ? .replica : .master)
        let mode = config.string("oom-score-adj")
        let value: Int32
        if mode != "no" {
            if !oomScore.adjusted {
                var base: Int32 = 0
                if apus_read_oom_score_adj(&base) != 0 {
                    logger.warning("Unable to read oom_score_adj: \(String(cString: strerror(errno)))")
                    return false
                }
                oomScore.adjusted = true
                oomScore.base = base
            }
            let values = config.oomScoreAdjValues()
            var score = values.count == 3 ? Int32(values[processClass.rawValue]) : 0
            if mode == "yes" || mode == "relative" { score += oomScore.base }
            value = min(max(score, -1000), 1000)
        } else if oomScore.adjusted {
            oomScore.adjusted = false
            value = oomScore.base
        } else {
            return true
        }
        if apus_write_oom_score_adj(value) != 0 {
            logger.warning("Unable to write oom_score_adj: \(String(cString: strerror(errno)))")
            return false
        }
        return true
    }

    func installOOMScoreConfigHooks() {
        for name in ["oom-score-adj", "oom-score-adj-values"] {
            config.onChange(name) { [unowned self] _ in
                self.setOOMScoreAdj() ? nil : "Failed to set current oom_score_adj. Check server logs."
            }
        }
    }
}
