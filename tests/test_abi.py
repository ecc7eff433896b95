"""The compiled extensions stay loadable on old Linux systems: the glibc
symbol versions they need are all <= GLIBC_2.17, which is what lets
auditwheel tag a wheel built on a new system manylinux_2_17.

Read from the ELF files themselves (their .gnu.version_r section, the
table auditwheel reads), so this also checks an installed wheel."""
import struct
import sys

import pytest

import gmp._chan
import gmp._core

MAX_GLIBC = (2, 17)

SHT_GNU_VERNEED = 0x6FFFFFFE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF/glibc only")


def needed_versions(path):
    """{library: [version names]} from an ELF file's version-needs table."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x7fELF", path
    end = "<" if data[5] == 1 else ">"
    if data[4] == 2:        # ELFCLASS64
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
        shfmt = end + "IIQQQQIIQQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
        shfmt = end + "IIIIIIIIII"
    sections = [struct.unpack_from(shfmt, data, shoff + i * shentsize) for i in range(shnum)]

    def cstr(off):
        return data[off:data.index(b"\0", off)].decode()

    out = {}
    for sec in sections:
        _, typ, _, _, offset, _, link, info, _, _ = sec
        if typ != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]
        pos = offset
        for _ in range(info):
            _, cnt, vfile, vaux, vnext = struct.unpack_from(end + "HHIII", data, pos)
            names = out.setdefault(cstr(strtab + vfile), [])
            apos = pos + vaux
            for _ in range(cnt):
                _, _, _, vname, anext = struct.unpack_from(end + "IHHII", data, apos)
                names.append(cstr(strtab + vname))
                apos += anext
            pos += vnext
    return out


@pytest.mark.parametrize("mod", [gmp._core, gmp._chan], ids=lambda m: m.__name__)
def test_needs_nothing_newer_than_glibc_2_17(mod):
    needed = needed_versions(mod.__file__)
    newer = sorted(
        "%s (%s)" % (v, lib) for lib, vs in needed.items() for v in vs
        if v.startswith("GLIBC_") and v[6:].replace(".", "").isdigit()
        and tuple(int(x) for x in v[6:].split(".")) > MAX_GLIBC)
    assert not newer, "%s needs %s: manylinux_2_17 allows up to GLIBC_%d.%d" % (
        mod.__file__, ", ".join(newer), *MAX_GLIBC)


def test_m_threads_keep_the_c_library_default_stack(tmp_path):
    """Ms are started with PyThread_start_new_thread instead of
    pthread_create (GLIBC_2.34); a threading.stack_size() the program set
    for its own threads must not shrink the stack every goroutine of an M
    runs on, and stays in force for the program's threads."""
    from gmptest import run_program
    # gilaware=0: Go's eager wakep spreads the Python-only goroutines to P1
    r = run_program("abi_m_thread_stack_size.py", env={"GOMAXPROCS": "2", "GMPDEBUG": "gilaware=0"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == ["True", "True", "True"], r.stdout + r.stderr
