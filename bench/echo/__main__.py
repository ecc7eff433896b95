"""python -m bench.echo: TCP echo servers under 100 to 10,000 connections.

Every server (bench/echo/servers.py: gmp, gevent, asyncio, uvloop when
installed, a thread per connection) runs in its own process pinned to CPU 0;
the load generator (bench/echo/echo_client.c, C, epoll, one thread, built
here with cc on first use) runs pinned to CPU 1 and keeps one 64-byte message
in flight per connection for --seconds after all connections are set up,
checking every echo byte for byte. Repetitions are the outer loop and the
servers alternate inside it, so machine noise hits them alike; the tables
show medians.

Reported per (server, C): round trips/s, p50/p99 latency, server RSS per
idle connection ((VmRSS with all C connections open and idle - VmRSS
before) / C), the server's CPU share during the window, and the spread of
round trips per connection (starved = a connection that completed none).

    python -m bench.echo [--conns 100,1000,10000] [--reps 3] [--seconds 3]
                         [--servers gmp,gevent,asyncio,uvloop,threading] [--json out.json]
    python -m bench.echo --http     # examples/http_hello.py and its peers instead
"""
import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "gmp-bench")


def build_client():
    src = os.path.join(HERE, "echo_client.c")
    exe = os.path.join(CACHE, "echo_client")
    if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(src):
        return exe
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        sys.exit("bench.echo: needs a C compiler for the load generator (apt-get install gcc)")
    os.makedirs(CACHE, exist_ok=True)
    subprocess.run([cc, "-O2", "-o", exe, src], check=True)
    return exe


def available(name):
    need = {"gevent": "gevent", "uvloop": "uvloop"}.get(name.replace("http-", ""))
    return need is None or importlib.util.find_spec(need) is not None


def pin(cpus):
    def f():
        try:
            os.sched_setaffinity(0, cpus)
        except (AttributeError, OSError):
            pass
        lim = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (lim[1], lim[1]))
    return f


def vmrss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def cputime(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def nthreads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


HTTP_REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench.echo\r\n\r\n"


def http_files():
    """The request the generator sends and the exact response it expects
    (examples/http_hello.py's fixed response)."""
    spec = importlib.util.spec_from_file_location(
        "http_hello", os.path.join(ROOT, "examples", "http_hello.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    os.makedirs(CACHE, exist_ok=True)
    req, resp = os.path.join(CACHE, "http.req"), os.path.join(CACHE, "http.resp")
    with open(req, "wb") as f:
        f.write(HTTP_REQUEST)
    with open(resp, "wb") as f:
        f.write(mod.RESPONSE)
    return [req, resp]


def run_cell(client, server, conns, seconds, ncpu, extra=(), server_cpus=1, pinned=True,
             env_extra=None):
    """One server under one load. pinned=False: server and client share every
    CPU (as a service does), instead of server_cpus CPUs for the server and
    the next one for the client. env_extra: the server's extra environment
    (e.g. GOMAXPROCS)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    server_cpus = max(1, min(server_cpus, ncpu - 1 if ncpu > 1 else 1))
    scpu = set(range(server_cpus))
    ccpu = {server_cpus} if ncpu > server_cpus else {0}
    if not pinned:
        scpu = ccpu = set(range(ncpu))
    srv = subprocess.Popen([sys.executable, "-m", "bench.echo.servers", server, "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           preexec_fn=pin(scpu), cwd=ROOT)
    cl = None
    try:
        line = srv.stdout.readline()
        if not line.startswith("LISTENING"):
            raise RuntimeError("%s did not start: %s" % (server, srv.stderr.read()[-500:]))
        port = int(line.split()[1])
        time.sleep(0.2)
        rss0 = vmrss(srv.pid)
        cl = subprocess.Popen([client, "127.0.0.1", str(port), str(conns), str(seconds),
                               "64", "1000"] + list(extra),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              preexec_fn=pin(ccpu))
        ready = cl.stdout.readline().split()
        if not ready or ready[0] != "READY":
            raise RuntimeError("client setup failed for %s" % server)
        time.sleep(0.2)
        rss1 = vmrss(srv.pid)
        threads = nthreads(srv.pid)
        cpu0 = cputime(srv.pid)
        t0 = time.monotonic()
        cl.stdin.write("go\n")
        cl.stdin.flush()
        res = json.loads(cl.stdout.readline())
        cpu1 = cputime(srv.pid)
        t1 = time.monotonic()
        cl.wait(timeout=60)
        res.update(server=server, rss_before=rss0, rss_idle=rss1,
                   rss_per_conn=(rss1 - rss0) / conns, threads=threads,
                   server_cpu=(cpu1 - cpu0) / (t1 - t0), setup_conns=int(ready[2]),
                   setup_failed=int(ready[3]))
        res["ok"] = (res["failed"] == 0 and res["errors"] == 0 and res["mismatches"] == 0
                     and res["timeouts"] == 0 and res["ready"] == conns)
        return res
    finally:
        if cl is not None:
            if cl.poll() is None:
                cl.kill()
            cl.wait()
            for f in (cl.stdin, cl.stdout):
                f.close()
        srv.kill()
        srv.wait()
        srv.stdout.close()
        srv.stderr.close()


def fmt(v, unit=""):
    if v >= 100:
        return "{:,.0f}{}".format(v, unit)
    return "{:.3g}{}".format(v, unit)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conns", default="100,1000,10000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--servers", default="gmp,gevent,asyncio,uvloop,threading")
    ap.add_argument("--json", default=None)
    ap.add_argument("--server-cpus", type=int, default=1,
                    help="pin each server to CPUs 0..N-1 (the client gets CPU N); gmp's "
                         "default GOMAXPROCS follows")
    ap.add_argument("--http", action="store_true",
                    help="HTTP/1.1 keep-alive GETs against examples/http_hello.py and "
                         "the same server on gevent/asyncio/uvloop, instead of echo")
    a = ap.parse_args()
    client = build_client()
    extra = []
    if a.http:
        extra = http_files()
        if a.servers == ap.get_default("servers"):
            a.servers = "gmp,gevent,asyncio,uvloop"
        a.servers = ",".join("http-" + s for s in a.servers.split(",") if s)
    servers = [s for s in a.servers.split(",") if s]
    skipped = [s for s in servers if not available(s)]
    servers = [s for s in servers if s not in skipped]
    conns = [int(c) for c in a.conns.split(",")]
    ncpu = len(os.sched_getaffinity(0))
    print("bench.echo: Python %s, %d CPUs (server on %d CPU(s), client on the next), %s s window, "
          "%d reps, %s" % (platform.python_version(), ncpu, a.server_cpus,
                           a.seconds, a.reps, "HTTP/1.1 keep-alive GET, fixed 13-byte body"
                           if a.http else "64-byte messages"))
    if skipped:
        print("skipped (not installed): " + ", ".join(skipped))
    results = {}
    for c in conns:
        for rep in range(a.reps):
            for s in servers:
                try:
                    r = run_cell(client, s, c, a.seconds, ncpu, extra, a.server_cpus)
                except Exception as e:          # a failed server is a result too
                    r = {"server": s, "error": str(e), "ok": False}
                results.setdefault((s, c), []).append(r)
                print("  C=%d rep %d %-9s %s" % (c, rep + 1, s, (
                    "%s rt/s, p99 %.2f ms, %s B/conn, cpu %.0f%%%s" % (
                        fmt(r["rps"]), r["p99_ms"], fmt(r["rss_per_conn"]), 100 * r["server_cpu"],
                        "" if r["ok"] else " FAILED")) if "rps" in r else "ERROR " + r["error"]),
                      flush=True)
    print()
    print("| C | " + " | ".join(servers) + " |")
    print("|---:|" + "---:|" * len(servers))
    for c in conns:
        cells = []
        for s in servers:
            rs = [r for r in results[(s, c)] if "rps" in r]
            if not rs:
                cells.append("error")
                continue
            ok = all(r["ok"] for r in rs)
            cells.append("**%s** / %.2f ms / %s B%s" % (
                fmt(statistics.median(r["rps"] for r in rs)),
                statistics.median(r["p99_ms"] for r in rs),
                fmt(statistics.median(r["rss_per_conn"] for r in rs)),
                "" if ok else " (FAILED)"))
        print("| {:,} | ".format(c) + " | ".join(cells) + " |")
    print("\ncell: round trips/s / p99 latency / server RSS per idle connection")
    pre = "http-" if a.http else ""
    if pre + "gmp" in servers and pre + "gevent" in servers:
        print("\n| C | gmp/gevent round trips/s | gmp/gevent RSS per conn |")
        print("|---:|---:|---:|")
        for c in conns:
            g = [r for r in results[(pre + "gmp", c)] if "rps" in r]
            e = [r for r in results[(pre + "gevent", c)] if "rps" in r]
            if g and e:
                print("| {:,} | {:.2f} | {:.2f} |".format(
                    c, statistics.median(r["rps"] for r in g) / statistics.median(r["rps"] for r in e),
                    statistics.median(r["rss_per_conn"] for r in g) /
                    statistics.median(r["rss_per_conn"] for r in e)))
    print("\nper-connection round trips (min / median / max), starved, server threads:")
    for c in conns:
        for s in servers:
            rs = [r for r in results[(s, c)] if "rps" in r]
            if rs:
                r = rs[len(rs) // 2]
                print("  C=%d %-9s %d / %d / %d, starved %d, threads %d, setup %.3f s" % (
                    c, s, r["min"], r["median"], r["max"], r["starved"], r["threads"], r["setup_s"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump([dict(r, conns=c) for (s, c), rs in results.items() for r in rs], f, indent=1)


if __name__ == "__main__":
    main()
