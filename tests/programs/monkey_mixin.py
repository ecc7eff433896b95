"""Imported first by the socketserver programs of tests/test_monkey.py: patches
everything, then defines a socketserver mix-in that serves each request in a
goroutine and fanout(n, client)."""
import gmp.monkey
gmp.monkey.patch_all()
import gmp, os, socket, socketserver

class GoroutineMixIn:
    # socketserver-style: one goroutine per request instead of a thread
    request_queue_size = 4096
    def process_request(self, request, client_address):
        gmp.go(self._handle, request, client_address)
    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)

def fanout(n, client):
    # client(i) in n goroutines; returns once all have finished
    wg = gmp.WaitGroup()
    def run(i):
        try:
            client(i)
        finally:
            wg.done()
    for i in range(n):
        wg.add(1)
        gmp.go(run, i)
    wg.wait()
