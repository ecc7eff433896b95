"""Run by tests/test_monkey.py::test_http_client_keepalive_goroutines_against_a_server_on_a_plain_thread
in a subprocess; that test checks its output."""
from monkey_http import *
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
srv.daemon_threads = True
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
got = []
def client(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for k in range(10):
        c.request("GET", "/%d/%d" % (i, k))
        resp = c.getresponse()
        got.append(resp.read() == b"hello /%d/%d" % (i, k))
    c.close()
fanout(50, client)
srv.shutdown()
print(len(got), all(got))
