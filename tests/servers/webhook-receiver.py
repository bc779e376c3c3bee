"""A webhook receiver for the is-stream tests, on Python's standard library.

    webhook-receiver.py PORT LOG [--secret-file FILE] [--fail-first N]
                        [--delay SECONDS]

Answers GET with 200 "ok" (the readiness probe). For each POST it appends
one JSON line to LOG: the path, the headers, the body as text, whether the
body is a JSON array, and, with --secret-file, whether X-Signature-256 is
the HMAC-SHA256 of the body under that secret, computed here with Python's
hmac module: a check independent of the C side. --fail-first N answers the
first N POSTs 503 (retries); --delay holds every answer (a slow receiver).
"""
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port = int(sys.argv[1])
log_path = sys.argv[2]
args = sys.argv[3:]
secret = None
fail_first = 0
delay = 0.0
while args:
    opt, val = args[0], args[1]
    args = args[2:]
    if opt == "--secret-file":
        with open(val, "rb") as f:
            secret = f.read().rstrip(b"\r\n")
    elif opt == "--fail-first":
        fail_first = int(val)
    elif opt == "--delay":
        delay = float(val)
    else:
        sys.exit("unknown option " + opt)

lock = threading.Lock()
posts = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.answer(200, "ok\n")

    def do_POST(self):
        global posts
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if delay:
            time.sleep(delay)
        with lock:
            posts += 1
            n = posts
        entry = {
            "n": n,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        try:
            entry["array"] = isinstance(json.loads(body), list)
        except ValueError:
            entry["array"] = False
        if secret is not None:
            want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            got = self.headers.get("X-Signature-256", "")
            entry["verified"] = hmac.compare_digest(want, got)
        code = 503 if n <= fail_first else 200
        entry["answer"] = code
        with lock:
            with open(log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")
        self.answer(code, "ok\n" if code == 200 else "try later\n")

    def log_message(self, fmt, *a):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
