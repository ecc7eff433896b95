/* gmp_netpoll.h: the system calls of the network poller (netpoll.pxi).
 *
 * - one epoll instance, edge-triggered registrations, and an eventfd that
 *   breaks a blocking wait (Go's netpollBreak);
 * - a wait with a nanosecond timeout: epoll_pwait2 where the kernel has it
 *   (5.11+), else epoll_wait rounded up to whole milliseconds;
 * - recv/send/accept/connect on raw fds returning -errno, so that the
 *   fast paths never touch the socket module.
 *
 * Nothing here touches Python objects.
 */
#ifndef GMP_NETPOLL_H
#define GMP_NETPOLL_H

#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <poll.h>
#include <time.h>

#define GMP_EV_R (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)
#define GMP_EV_W (EPOLLOUT | EPOLLHUP | EPOLLERR)
#define GMP_NP_BREAK UINT64_MAX

static int gmp_np_epfd = -1;
static int gmp_np_evfd = -1;
static int gmp_np_have_pwait2 = 1;

/* Creates the epoll instance and its break eventfd; 0 or -errno. */
static int gmp_np_init(void) {
    struct epoll_event ev;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return -errno;
    int e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (e < 0) { int err = errno; close(ep); return -err; }
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = GMP_NP_BREAK;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) < 0) {
        int err = errno; close(ep); close(e); return -err;
    }
    gmp_np_epfd = ep;
    gmp_np_evfd = e;
    return 0;
}

/* Registers fd for both directions, edge-triggered (Go's netpollopen). */
static int gmp_np_add(int fd, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = data;
    if (epoll_ctl(gmp_np_epfd, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
    if (errno == EEXIST && epoll_ctl(gmp_np_epfd, EPOLL_CTL_MOD, fd, &ev) == 0) return 0;
    return -errno;
}

static int gmp_np_del(int fd) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    return epoll_ctl(gmp_np_epfd, EPOLL_CTL_DEL, fd, &ev) == 0 ? 0 : -errno;
}

/* Waits for events: timeout_ns < 0 blocks, 0 polls. Fills data[] and
 * events[] (at most n, n <= 128); returns the count or -errno. */
static int gmp_np_wait(int64_t timeout_ns, uint64_t *data, uint32_t *events, int n) {
    struct epoll_event ev[128];
    int r, i;
    if (n > 128) n = 128;
#ifdef SYS_epoll_pwait2
    if (timeout_ns > 0 && gmp_np_have_pwait2) {
        struct timespec ts;
        ts.tv_sec = timeout_ns / 1000000000LL;
        ts.tv_nsec = timeout_ns % 1000000000LL;
        r = (int)syscall(SYS_epoll_pwait2, gmp_np_epfd, ev, n, &ts, NULL, 0);
        if (r < 0 && errno == ENOSYS) {
            gmp_np_have_pwait2 = 0;
        } else {
            goto done;
        }
    }
#endif
    {
        int ms;
        if (timeout_ns < 0) ms = -1;
        else if (timeout_ns == 0) ms = 0;
        else if (timeout_ns > 1000000000LL * 1000) ms = 1000 * 1000;
        else ms = (int)((timeout_ns + 999999) / 1000000);
        r = epoll_wait(gmp_np_epfd, ev, n, ms);
    }
#ifdef SYS_epoll_pwait2
done:
#endif
    if (r < 0) return -errno;
    for (i = 0; i < r; i++) {
        data[i] = ev[i].data.u64;
        events[i] = ev[i].events;
    }
    return r;
}

static void gmp_np_break(void) {
    uint64_t one = 1;
    ssize_t r;
    do { r = write(gmp_np_evfd, &one, sizeof one); } while (r < 0 && errno == EINTR);
}

static void gmp_np_drain(void) {
    uint64_t v;
    ssize_t r;
    do { r = read(gmp_np_evfd, &v, sizeof v); } while (r < 0 && errno == EINTR);
}

/* ---- raw socket calls: the result, or -errno ---------------------------- */
static inline Py_ssize_t gmp_recv(int fd, char *buf, size_t n) {
    ssize_t r;
    do { r = recv(fd, buf, n, 0); } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (Py_ssize_t)r;
}

static inline Py_ssize_t gmp_send(int fd, const char *buf, size_t n) {
    ssize_t r;
    do { r = send(fd, buf, n, MSG_NOSIGNAL); } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (Py_ssize_t)r;
}

/* Waits on one fd from a plain thread (no goroutine to park). */
static inline int gmp_poll1(int fd, int write, int ms) {
    struct pollfd p;
    p.fd = fd;
    p.events = write ? POLLOUT : POLLIN;
    p.revents = 0;
    int r = poll(&p, 1, ms);
    return r < 0 ? -errno : r;
}

static inline int gmp_sock_error(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
}

/* In the child of fork: drop this process's references to the epoll
   instance and the eventfd it shares with the parent, without touching
   their registrations (fork.pxi). */
static inline void gmp_np_atfork_child(void) {
    if (gmp_np_epfd >= 0) close(gmp_np_epfd);
    if (gmp_np_evfd >= 0) close(gmp_np_evfd);
    gmp_np_epfd = -1;
    gmp_np_evfd = -1;
}

#endif
