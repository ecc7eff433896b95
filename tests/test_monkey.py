"""gmp.monkey: unmodified stdlib clients and servers in goroutines.

Patching is process-wide, so every case runs in a fresh interpreter."""
from gmptest import run_program


def test_urllib_in_1000_goroutines_against_a_socketserver_in_goroutines():
    r = run_program("monkey_urllib_1000_goroutines.py", env={"GOMAXPROCS": "2"}, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["1000", "True"]


def test_http_client_keepalive_goroutines_against_a_server_on_a_plain_thread():
    # the server runs on a plain thread: its (patched) sockets block that
    # thread as before; the clients are goroutines sharing one P
    r = run_program("monkey_http_keepalive_server_on_a_thread.py",
                    env={"GOMAXPROCS": "1"}, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["500", "True"]


def test_socketserver_stream_handler_echo_with_plain_socket_clients():
    r = run_program("monkey_socketserver_echo.py", env={"GOMAXPROCS": "2"}, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["4000", "True"]


def test_time_sleep_parks_only_the_goroutine():
    r = run_program("monkey_time_sleep_parks_only_the_goroutine.py", env={"GOMAXPROCS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "['worker', 'sleeper'] [False] True"


def test_socket_timeouts_and_nonblocking_keep_their_meaning():
    r = run_program("monkey_socket_timeouts_and_nonblocking.py")
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    for tag in ("goroutine", "thread"):
        assert "%s timeout timed out True" % tag in lines
        assert "%s wouldblock" % tag in lines
        assert "%s b'hi'" % tag in lines


def test_recv_recv_into_sendall_keep_cpython_semantics():
    r = run_program("monkey_socket_fast_paths.py", timeout=60)
    assert r.returncode == 0, r.stderr[-3000:]
    for tag in ("goroutine", "thread"):
        lines = [l[len(tag) + 1:] for l in r.stdout.splitlines() if l.startswith(tag + " ")]
        assert lines == [
            "recv_into timeout timed out",
            "late b'late'",
            "into 4 b'abcd'",
            "sendall timeout timed out",
            "sendall wouldblock 11",
            "recv_into wouldblock 11",
            "closed True",
            "eof b'' b''",
        ], r.stdout


def test_name_resolution_goes_through_the_syscall_handoff():
    r = run_program("monkey_name_resolution_in_a_syscall.py")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "(0, 0, 1, '127.0.0.1')"


def test_patched_sockets_leave_no_fd_or_registration_behind():
    r = run_program("monkey_patched_sockets_leave_nothing.py")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "0 0"


def test_select_select_in_a_goroutine_parks_only_the_goroutine():
    # a goroutine blocked in select.select (moved to a syscall helper) does
    # not hold its P: another goroutine on the only P finishes meanwhile
    r = run_program("monkey_select_select_parks_only_the_goroutine.py", env={"GOMAXPROCS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "['other', ('ready', True)]"


def test_timeout_values_are_checked_as_cpython_checks_them():
    # settimeout and time.sleep take and refuse exactly what the unpatched
    # calls do (inf used to be taken and to time out at once); the largest
    # timeout CPython takes waits instead of timing out
    r = run_program("monkey_timeout_values_as_cpython.py")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "b'late'"


def test_connect_to_a_name_checks_the_port_as_cpython_does():
    # the name used to be resolved together with the port, and getaddrinfo
    # takes 73616 as 73616 % 65536 = 8080 and "80" as 80
    r = run_program("monkey_connect_port_as_cpython.py")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "10 True"
