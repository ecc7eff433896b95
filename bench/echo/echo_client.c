/* echo_client: a closed-loop TCP echo load generator (one thread, epoll).
 *
 *   echo_client HOST PORT CONNS SECONDS [MSGSIZE] [MAXPENDING] [REQFILE RESPFILE]
 *
 * With REQFILE and RESPFILE it is a request/response generator instead:
 * each connection sends REQFILE's bytes and expects exactly RESPFILE's
 * bytes back (an HTTP/1.1 keep-alive GET and its fixed response).
 *
 * Phase 1 connects CONNS connections (at most MAXPENDING connecting or
 * awaiting their first echo at once) and completes one echo on each, then
 * prints "READY <seconds>" and waits for a line on stdin (the caller
 * measures the server's idle RSS meanwhile). Phase 2: every connection
 * sends MSGSIZE bytes, waits for the whole echo, checks it byte for byte
 * and sends again, for SECONDS. Then the outstanding echoes are drained
 * (5 s at most) and one JSON line with the results is printed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int fd;
    int state;          /* 0 idle, 1 connecting, 2 waiting for echo, 3 done, 4 failed */
    int sent, got;      /* bytes of the current message */
    uint64_t seq;
    uint64_t count;     /* round trips completed in the window */
    int64_t t0;         /* when the current message was sent */
} conn_t;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int msgsize = 64;
static char *rbuf;
static char *reqbuf, *respbuf;      /* request/response mode when set */
static int reqlen, resplen;

static char *slurp(const char *path, int *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    char *b = malloc(65536);
    *len = (int)fread(b, 1, 65536, f);
    fclose(f);
    return b;
}
static uint32_t *lat;           /* every round trip's latency in the window, us */
static size_t nlat, latcap;
static uint64_t nerr, ncheck;

static void addlat(int64_t ns) {
    if (nlat == latcap) {
        latcap = latcap ? latcap * 2 : 1 << 16;
        lat = realloc(lat, latcap * sizeof(uint32_t));
    }
    lat[nlat++] = (uint32_t)(ns / 1000);
}

static int cmpu32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void fill(char *buf, int i, uint64_t seq) {
    for (int k = 0; k < msgsize; k++) buf[k] = (char)('a' + (i * 7 + seq * 13 + k) % 26);
}

static int send_msg(conn_t *c, int i) {
    char fbuf[65536];
    char *buf = reqbuf;
    int len = reqbuf ? reqlen : msgsize;
    if (!reqbuf) { fill(fbuf, i, c->seq); buf = fbuf; }
    while (c->sent < len) {
        ssize_t r = send(c->fd, buf + c->sent, len - c->sent, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EAGAIN) return 0;
            if (errno == EINTR) continue;
            return -1;
        }
        c->sent += (int)r;
    }
    return 0;
}

/* reads what is there; returns 1 when the whole echo arrived, 0 if not yet, -1 on error */
static int recv_echo(conn_t *c, int i) {
    char want[65536];
    int len = respbuf ? resplen : msgsize;
    for (;;) {
        ssize_t r = recv(c->fd, rbuf + c->got, len - c->got, 0);
        if (r < 0) {
            if (errno == EAGAIN) return 0;
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) return -1;
        c->got += (int)r;
        if (c->got == len) {
            if (respbuf) {
                if (memcmp(respbuf, rbuf, len) != 0) ncheck++;
            } else {
                fill(want, i, c->seq);
                if (memcmp(want, rbuf, len) != 0) ncheck++;
            }
            return 1;
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s HOST PORT CONNS SECONDS [MSGSIZE] [MAXPENDING]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]), n = atoi(argv[3]);
    double seconds = atof(argv[4]);
    if (argc > 5) msgsize = atoi(argv[5]);
    int maxpending = argc > 6 ? atoi(argv[6]) : 1000;
    if (msgsize < 1 || msgsize > 65536) msgsize = 64;
    if (argc > 8) {
        reqbuf = slurp(argv[7], &reqlen);
        respbuf = slurp(argv[8], &resplen);
    }
    rbuf = malloc(65536);
    conn_t *cs = calloc(n, sizeof(conn_t));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, host, &sa.sin_addr);
    int ep = epoll_create1(0);
    struct epoll_event evs[1024];
    int64_t start = now_ns();
    int next = 0, pending = 0, ready = 0, failed = 0;

    /* phase 1: connect and one echo each */
    while (ready + failed < n) {
        while (next < n && pending < maxpending) {
            conn_t *c = &cs[next];
            c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            int r = connect(c->fd, (struct sockaddr *)&sa, sizeof sa);
            if (r < 0 && errno != EINPROGRESS) { c->state = 4; failed++; next++; continue; }
            c->state = 1;
            struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = (uint32_t)next};
            epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
            pending++;
            next++;
        }
        int k = epoll_wait(ep, evs, 1024, 10000);
        if (k == 0) { fprintf(stderr, "echo_client: setup stalled (%d ready, %d failed)\n", ready, failed); break; }
        for (int j = 0; j < k; j++) {
            int i = (int)evs[j].data.u32;
            conn_t *c = &cs[i];
            if (c->state == 1 && (evs[j].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                int err = 0; socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) { c->state = 4; failed++; pending--; close(c->fd); continue; }
                c->state = 2; c->sent = c->got = 0;
            }
            if (c->state == 2) {
                if (send_msg(c, i) < 0) { c->state = 4; failed++; pending--; continue; }
                int r = recv_echo(c, i);
                if (r < 0) { c->state = 4; failed++; pending--; continue; }
                if (r == 1) { c->state = 0; c->seq++; ready++; pending--; }
            }
        }
    }
    double setup = (now_ns() - start) / 1e9;
    printf("READY %.4f %d %d\n", setup, ready, failed);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) return 1;

    /* phase 2: closed loop for the window, then drain */
    int64_t t0 = now_ns(), tend = t0 + (int64_t)(seconds * 1e9), drain_end = 0;
    uint64_t total = 0, late = 0;
    int outstanding = 0;
    for (int i = 0; i < n; i++) {
        conn_t *c = &cs[i];
        if (c->state != 0) continue;
        c->state = 2; c->sent = c->got = 0; c->t0 = now_ns();
        if (send_msg(c, i) < 0) { c->state = 4; nerr++; continue; }
        outstanding++;
    }
    while (outstanding > 0) {
        int64_t now = now_ns();
        if (!drain_end && now >= tend) drain_end = now + 5000000000LL;
        if (drain_end && now >= drain_end) break;
        int k = epoll_wait(ep, evs, 1024, 100);
        for (int j = 0; j < k; j++) {
            int i = (int)evs[j].data.u32;
            conn_t *c = &cs[i];
            if (c->state != 2) continue;
            if (c->sent < (reqbuf ? reqlen : msgsize) && send_msg(c, i) < 0) { c->state = 4; nerr++; outstanding--; continue; }
            int r = recv_echo(c, i);
            if (r < 0) { c->state = 4; nerr++; outstanding--; continue; }
            if (r == 1) {
                int64_t t = now_ns();
                c->seq++;
                if (t <= tend) {
                    total++;
                    c->count++;
                    addlat(t - c->t0);
                } else {
                    late++;
                }
                if (t < tend) {
                    c->sent = c->got = 0; c->t0 = t;
                    if (send_msg(c, i) < 0) { c->state = 4; nerr++; outstanding--; }
                } else {
                    c->state = 3; outstanding--;
                }
            }
        }
    }
    double window = seconds;
    /* per-connection spread */
    uint64_t *counts = malloc(sizeof(uint64_t) * (size_t)(n > 0 ? n : 1));
    int m = 0, starved = 0;
    for (int i = 0; i < n; i++) {
        if (cs[i].state == 4 || cs[i].fd <= 0) continue;
        counts[m++] = cs[i].count;
        if (cs[i].count == 0) starved++;
    }
    for (int a = 1; a < m; a++) {     /* insertion sort is fine for 10k */
        uint64_t v = counts[a]; int b = a - 1;
        while (b >= 0 && counts[b] > v) { counts[b + 1] = counts[b]; b--; }
        counts[b + 1] = v;
    }
    double p50 = 0, p99 = 0;
    if (nlat) {
        qsort(lat, nlat, sizeof(uint32_t), cmpu32);
        p50 = lat[nlat / 2] / 1000.0;
        p99 = lat[(size_t)(nlat * 0.99)] / 1000.0;
    }
    printf("{\"conns\": %d, \"ready\": %d, \"failed\": %d, \"setup_s\": %.4f, \"window_s\": %.3f, "
           "\"round_trips\": %llu, \"rps\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
           "\"min\": %llu, \"median\": %llu, \"max\": %llu, \"starved\": %d, \"errors\": %llu, "
           "\"mismatches\": %llu, \"timeouts\": %d, \"late\": %llu}\n",
           n, ready, failed, setup, window, (unsigned long long)total, total / window, p50, p99,
           (unsigned long long)(m ? counts[0] : 0), (unsigned long long)(m ? counts[m / 2] : 0),
           (unsigned long long)(m ? counts[m - 1] : 0), starved, (unsigned long long)nerr,
           (unsigned long long)ncheck, outstanding, (unsigned long long)late);
    fflush(stdout);
    for (int i = 0; i < n; i++) if (cs[i].fd > 0) close(cs[i].fd);
    return 0;
}
