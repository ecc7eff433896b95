# C declarations only: the C library and POSIX calls gmp._core makes that
# Cython's libc/posix .pxd files do not declare in the form used here.
from libc.stdint cimport int64_t

cdef extern from "<time.h>" nogil:
    struct timespec:
        long tv_sec
        long tv_nsec
    int nanosleep(const timespec *req, timespec *rem)

cdef extern from "<unistd.h>" nogil:
    int pause()
    int usleep(unsigned int us)
    ssize_t write(int fd, const void *buf, size_t n)
    void _exit(int status)

cdef extern from "<errno.h>" nogil:
    enum:
        EAGAIN
        EINTR

cdef extern from "<string.h>" nogil:
    char *strerror(int errnum)

cdef extern from "<math.h>" nogil:
    const double INFINITY

cdef extern from "<stdint.h>":
    const int64_t INT64_MAX

cdef extern from "<pthread.h>" nogil:
    ctypedef void (*atforkfn_t)() noexcept nogil
    int pthread_atfork(atforkfn_t prepare, atforkfn_t parent, atforkfn_t child)

cdef extern from "<sched.h>" nogil:
    int sched_yield()
