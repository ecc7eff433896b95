"""Imported first by the HTTP programs of tests/test_monkey.py: monkey_mixin
(everything patched) plus an HTTP server with a goroutine per request and a
handler that answers "hello PATH"."""
from monkey_mixin import *

import http.server, threading, time, urllib.request, http.client

class GoHTTPServer(GoroutineMixIn, http.server.HTTPServer):
    pass

class Hello(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = ("hello %s" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
