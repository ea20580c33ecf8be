// Thin, prefixed wrappers over the Linux calls the reactor needs. Everything is static inline so
// the module needs no compiled C target; macros and the packed epoll_event stay on this side.
#ifndef APUS_CEPOLL_SHIM_H
#define APUS_CEPOLL_SHIM_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const uint32_t APUS_EPOLLIN = EPOLLIN;
static const uint32_t APUS_EPOLLOUT = EPOLLOUT;
static const uint32_t APUS_EPOLLERR = EPOLLERR;
static const uint32_t APUS_EPOLLHUP = EPOLLHUP;
static const int APUS_EAGAIN = EAGAIN;
static const int APUS_EINTR = EINTR;
static const int APUS_EINPROGRESS = EINPROGRESS;
static const int APUS_IOV_MAX = 1024;

static inline int apus_errno(void) { return errno; }

static inline int apus_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/// op: 0 add, 1 modify, 2 delete. The fd itself is the event's user data.
static inline int apus_epoll_ctl(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.fd = fd;
    int cop = op == 0 ? EPOLL_CTL_ADD : (op == 1 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL);
    return epoll_ctl(epfd, cop, fd, &ev);
}

/// Waits and unpacks the packed epoll_event array into two plain arrays Swift can index.
static inline int apus_epoll_wait(int epfd, int *fds, uint32_t *masks, int max, int timeout_ms) {
    struct epoll_event events[512];
    if (max > 512) max = 512;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        fds[i] = events[i].data.fd;
        masks[i] = events[i].events;
    }
    return n;
}

/// Blocks SIGTERM/SIGINT for normal delivery and returns a signalfd that reports them instead;
/// SIGPIPE is ignored so a vanished peer shows up as EPIPE on write.
static inline int apus_signalfd_shutdown_signals(void) {
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/// Returns the signal number read from a signalfd, 0 if none was pending.
static inline int apus_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof(info));
    return n == (ssize_t)sizeof(info) ? (int)info.ssi_signo : 0;
}

static inline int apus_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static inline int apus_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value));
}

static inline int apus_set_tcp_nodelay(int fd) { return apus_set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1); }
static inline int apus_clear_tcp_nodelay(int fd) { return apus_set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 0); }

/// SO_KEEPALIVE plus Linux's idle/interval/count, derived from Redis's single `tcp-keepalive` seconds.
static inline int apus_set_keepalive(int fd, int interval) {
    if (apus_set_int_option(fd, SOL_SOCKET, SO_KEEPALIVE, 1) != 0) return -1;
    if (interval <= 0) return 0;
    int intvl = interval / 3;
    if (intvl == 0) intvl = 1;
    if (apus_set_int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE, interval) != 0) return -1;
    if (apus_set_int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL, intvl) != 0) return -1;
    return apus_set_int_option(fd, IPPROTO_TCP, TCP_KEEPCNT, 3);
}

/// anetTcpServer / anetTcp6Server: a non-blocking listening socket on `addr` (a name or a
/// numeric address; NULL is every address of the family), `v6` choosing AF_INET6. On failure
/// returns -1 with errno set and Redis's neterr text ("bind: Address already in use", or
/// getaddrinfo's message) in `err`.
static inline int apus_tcp_server(const char *addr, int v6, int port, int backlog, char *err, size_t errlen) {
    struct addrinfo hints, *info, *p;
    char portstr[8];
    int fd = -1, rv;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = v6 ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    snprintf(portstr, sizeof(portstr), "%d", port);
    if ((rv = getaddrinfo(addr, portstr, &hints, &info)) != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rv));
        if (rv != EAI_SYSTEM) errno = EINVAL;
        return -1;
    }
    for (p = info; p != NULL; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
        if (fd == -1) continue;
        int one = 1;
        if (p->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1) {
            snprintf(err, errlen, "setsockopt: %s", strerror(errno));
            goto failed;
        }
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1) {
            snprintf(err, errlen, "setsockopt SO_REUSEADDR: %s", strerror(errno));
            goto failed;
        }
        if (bind(fd, p->ai_addr, p->ai_addrlen) == -1) {
            snprintf(err, errlen, "bind: %s", strerror(errno));
            goto failed;
        }
        if (listen(fd, backlog) == -1) {
            snprintf(err, errlen, "listen: %s", strerror(errno));
            goto failed;
        }
        freeaddrinfo(info);
        return fd;
    }
    snprintf(err, errlen, "unable to bind socket, errno: %d", errno);
    freeaddrinfo(info);
    return -1;
failed: {
        int saved = errno;
        close(fd);
        freeaddrinfo(info);
        errno = saved;
        return -1;
    }
}

/// anetUnixServer: a non-blocking listening Unix socket at `path`, chmod'ed to `perm` when it
/// is not 0. -1 with errno and the neterr text on failure.
static inline int apus_unix_server(const char *path, unsigned perm, int backlog, char *err, size_t errlen) {
    struct sockaddr_un sa;
    if (strlen(path) > sizeof(sa.sun_path) - 1) {
        snprintf(err, errlen, "unix socket path too long (%zu), must be under %zu", strlen(path), sizeof(sa.sun_path));
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
        snprintf(err, errlen, "bind: %s", strerror(errno));
        goto failed;
    }
    if (listen(fd, backlog) == -1) {
        snprintf(err, errlen, "listen: %s", strerror(errno));
        goto failed;
    }
    if (perm) chmod(sa.sun_path, (mode_t)perm);
    return fd;
failed: {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
}

/// accept4 on a Unix listener (no peer address worth formatting).
static inline int apus_accept_unix(int lfd) {
    return accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/// /proc/self/oom_score_adj as an integer; -1 with errno set when unreadable (the value is
/// returned through `value`, since -1 is a valid score).
static inline int apus_read_oom_score_adj(int *value) {
    char buf[64];
    int fd = open("/proc/self/oom_score_adj", O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n < 0) { int saved = errno; close(fd); errno = saved; return -1; }
    buf[n] = 0;
    close(fd);
    *value = atoi(buf);
    return 0;
}

/// Writes `value` to /proc/self/oom_score_adj; -1 with errno set on failure.
static inline int apus_write_oom_score_adj(int value) {
    char buf[64];
    snprintf(buf, sizeof(buf) - 1, "%d\n", value);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    if (fd < 0) return -1;
    if (write(fd, buf, strlen(buf)) < 0) { int saved = errno; close(fd); errno = saved; return -1; }
    close(fd);
    return 0;
}

/// Starts a non-blocking TCP connect to host:port (a name or a numeric address), as anetTcpNonBlockConnect.
/// Returns the fd (the connect may still be in progress) or -1 with errno set (EHOSTUNREACH when
/// the name does not resolve).
static inline int apus_connect_tcp(const char *host, int port) {
    struct addrinfo hints, *info, *p;
    char portstr[8];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &info) != 0) { errno = EHOSTUNREACH; return -1; }
    int fd = -1;
    for (p = info; p != NULL; p = p->ai_next) {
        fd = socket(p->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0 || errno == EINPROGRESS) break;
        int saved = errno;
        close(fd);
        errno = saved;
        fd = -1;
    }
    freeaddrinfo(info);
    return fd;
}

/// daemonize (server.c): the parent exits, the child leads a new session with its standard
/// streams on /dev/null (with logfile "" it then logs nowhere, as Redis).
static inline void apus_daemonize(void) {
    if (fork() != 0) _exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR, 0);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

/// The pending error of a socket (SO_ERROR), 0 when none.
static inline int apus_socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) return errno;
    return err;
}

/// Formats a socket address as Redis does in CLIENT LIST: "ip:port", IPv6 without brackets.
static inline void apus_format_address(const struct sockaddr_storage *ss, char *out, size_t outlen) {
    char ip[INET6_ADDRSTRLEN] = {0};
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        port = ntohs(s->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        port = ntohs(s->sin6_port);
    }
    snprintf(out, outlen, "%s:%d", ip, port);
}

/// accept4 with non-blocking and close-on-exec; writes "ip:port" of the peer into `peer`.
static inline int apus_accept(int lfd, char *peer, size_t peerlen) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0 && peer) apus_format_address(&ss, peer, peerlen);
    return fd;
}

/// The local "ip:port" of a connected socket (CLIENT LIST laddr).
static inline void apus_peer_address(int fd, char *out, size_t outlen) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    out[0] = 0;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) apus_format_address(&ss, out, outlen);
}

static inline void apus_local_address(int fd, char *out, size_t outlen) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) apus_format_address(&ss, out, outlen);
    else if (outlen) out[0] = 0;
}

static inline ssize_t apus_writev(int fd, const struct iovec *iov, int count) { return writev(fd, iov, count); }

/// Raises RLIMIT_NOFILE towards `want`; returns the limit in force afterwards.
static inline long apus_raise_fd_limit(long want) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    if ((long)rl.rlim_cur >= want) return (long)rl.rlim_cur;
    rlim_t target = (rlim_t)want;
    if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max) target = rl.rlim_max;
    rl.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    return (long)rl.rlim_cur;
}

/// user and system CPU seconds of this process, for INFO cpu.
static inline void apus_cpu_usage(double *user, double *sys) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static inline int64_t apus_monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int64_t apus_wall_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/// _exit(2): no atexit handlers, no stdio flush, no Swift runtime teardown in a forked child.
__attribute__((noreturn)) static inline void apus_exit_now(int code) { _exit(code); }

/// waitpid(-1, WNOHANG) unpacked: returns the pid (0 none, -1 error); `exitcode` is the exit
/// status or -1, `bysignal` the terminating signal or 0 (checkChildrenDone).
static inline int apus_wait_child(int *exitcode, int *bysignal) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    *exitcode = -1;
    *bysignal = 0;
    if (pid > 0) {
        if (WIFEXITED(status)) *exitcode = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) *bysignal = WTERMSIG(status);
    }
    return (int)pid;
}

static int apus_child_log_fd = 1;

/// Redis's sigKillChildHandler: SIGUSR1 asks a saving child to leave at once, with the exit code
/// (255, SERVER_CHILD_NOERROR_RETVAL) that tells the parent the save was cancelled, not failed.
static void apus_child_sigusr1(int sig) {
    (void)sig;
    char line[128];
    int n = snprintf(line, sizeof(line), "%d:signal-handler (%ld) Received SIGUSR1 in child, exiting now.\n",
                     (int)getpid(), (long)time(NULL));
    if (n > 0 && write(apus_child_log_fd, line, (size_t)n) < 0) { /* nothing to do */ }
    _exit(255);
}

/// fork(2) for a saving child, in which SIGUSR1 ends the child (its log line goes to `log_fd`).
/// SIGUSR1 stays blocked across the fork, so one sent to the child before its handler is in
/// place waits for it instead of killing it silently.
static inline int apus_fork_child(int log_fd) {
    sigset_t usr1, previous;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        apus_child_log_fd = log_fd;
        struct sigaction act;
        memset(&act, 0, sizeof(act));
        sigemptyset(&act.sa_mask);
        act.sa_handler = apus_child_sigusr1;
        sigaction(SIGUSR1, &act, NULL);
    }
    int saved = errno;
    sigprocmask(SIG_SETMASK, &previous, NULL);
    errno = saved;
    return (int)pid;
}

static const int APUS_SIGUSR1 = SIGUSR1;

/// Bytes of this process's memory that are private and dirty (copy-on-write copies, in a forked
/// child), from /proc/self/smaps_rollup; 0 when unreadable (zmalloc_get_private_dirty).
static inline size_t apus_private_dirty_bytes(void) {
    FILE *fp = fopen("/proc/self/smaps_rollup", "r");
    if (!fp) return 0;
    char line[256];
    size_t total = 0;
    while (fgets(line, sizeof(line), fp)) {
        if (strncmp(line, "Private_Dirty:", 14) == 0) total += strtoul(line + 14, NULL, 10) * 1024;
    }
    fclose(fp);
    return total;
}

#endif
