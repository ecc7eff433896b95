# C declarations only (see gmp_netpoll.h): the epoll instance, its eventfd
# break, and the non-blocking socket calls (netpoll.pxi, fd.pxi, fork.pxi).
from libc.stdint cimport int64_t, uint32_t, uint64_t

cdef extern from "gmp_netpoll.h" nogil:
    int gmp_np_init()
    int gmp_np_add(int fd, uint64_t data)
    int gmp_np_del(int fd)
    int gmp_np_wait(int64_t timeout_ns, uint64_t *data, uint32_t *events, int n)
    void gmp_np_break()
    void gmp_np_drain()
    void gmp_np_atfork_child()
    Py_ssize_t gmp_recv(int fd, char *buf, size_t n)
    Py_ssize_t gmp_send(int fd, const char *buf, size_t n)
    int gmp_poll1(int fd, int write, int ms)
    int gmp_sock_error(int fd)
    uint32_t GMP_EV_R
    uint32_t GMP_EV_W
    uint64_t GMP_NP_BREAK
