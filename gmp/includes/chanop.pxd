# gmp_chanop.h: chan.send/recv/recv_ok as descriptors (see the header).

cdef extern from "gmp_chanop.h":
    int gmp_chanop_install(object chantype, const char *name) except -1
