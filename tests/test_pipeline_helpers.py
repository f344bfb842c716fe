"""Helpers for the pipeline tests (no tests here): a local HTTP server with an
index page, ETags, and failing routes; PDFs generated with reportlab.

The server listens on 127.0.0.1 (random port, a thread) and serves:

* ``/index.html``: links to every PDF below plus the failing routes, a
  same-host link without ``.pdf`` served as ``application/pdf`` and a link to
  another host;
* ``/real/<name>.pdf``, ``/dev/<name>.pdf``: the shared PDFs, with ``ETag``
  and ``Last-Modified``; ``If-None-Match`` → 304;
* ``/fail/404.pdf``, ``/fail/500.pdf`` (always 500), ``/fail/truncated.pdf``
  (a Content-Length longer than the body), ``/fail/redirect.pdf`` (302 to a
  host that is not configured), ``/flaky.pdf`` (503 twice, then the PDF);
* ``/doc?id=1``: a PDF without ``.pdf`` in its URL.

``hits`` counts (method, path, status) so tests can assert the 304s.
"""
from __future__ import annotations

import hashlib
import socket
import threading
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


_HARNESS: list = []


def ensure_prefect_harness(config=None) -> None:
    """One ``prefect_test_harness`` (temporary API and database) for the whole
    test session, shared by every pipeline test module; closed at exit."""
    if _HARNESS:
        return
    import atexit
    import os
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness
    cm = prefect_test_harness(server_startup_timeout=180)
    cm.__enter__()
    _HARNESS.append(cm)
    stop = lambda: cm.__exit__(None, None, None)  # noqa: E731
    if config is not None:  # pytest's config: stop the server before output is closed
        config.add_cleanup(stop)
    else:
        atexit.register(stop)


class CorpusServer:
    def __init__(self, files: dict[str, Path], *, extra_links: list[str] | None = None,
                 failing: bool = True):
        self.files = dict(files)  # url path → file
        self.failing = failing
        self.extra_links = extra_links or []
        self.hits: Counter = Counter()
        self.flaky_left = 2
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # -- lifecycle
    def __enter__(self) -> "CorpusServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def index_url(self) -> str:
        return f"{self.base}/index.html"

    def count(self, status: int | None = None, method: str = "GET", prefix: str = "/") -> int:
        return sum(n for (m, p, s), n in self.hits.items()
                   if m == method and p.startswith(prefix) and (status is None or s == status))

    def index_html(self) -> str:
        links = [f'<li><a href="{p}">{Path(p).name}</a></li>' for p in sorted(self.files)]
        if self.files:
            links.append('<li><a href="/doc?id=1">by id</a></li>')
        if self.failing:
            links += ['<li><a href="/fail/404.pdf">missing</a></li>',
                      '<li><a href="/fail/500.pdf">server error</a></li>',
                      '<li><a href="/fail/truncated.pdf">truncated</a></li>',
                      '<li><a href="/fail/redirect.pdf">moved away</a></li>',
                      '<li><a href="http://other-host.invalid/paper.pdf">elsewhere</a></li>',
                      '<li><a href="/about.html">about</a></li>']
        links += [f'<li><a href="{u}">extra</a></li>' for u in self.extra_links]
        return ("<!doctype html><html><head><title>Meeting documents</title></head><body><ul>\n"
                + "\n".join(links) + "\n</ul></body></html>")

    # -- handler
    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes = b"", ctype: str = "application/pdf",
                      headers: dict | None = None, length: int | None = None, head: bool = False) -> None:
                path = urlsplit(self.path).path
                with server._lock:
                    server.hits[(self.command, path, status)] += 1
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if not head and body:
                    self.wfile.write(body)
                    self.wfile.flush()

            def _serve_file(self, f: Path, head: bool) -> None:
                data = f.read_bytes()
                etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
                lm = formatdate(f.stat().st_mtime, usegmt=True)
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", headers={"ETag": etag, "Last-Modified": lm}, length=0,
                                      head=True)
                self._send(200, data, headers={"ETag": etag, "Last-Modified": lm}, head=head)

            def do_HEAD(self) -> None:
                self._route(head=True)

            def do_GET(self) -> None:
                self._route(head=False)

            def _route(self, head: bool) -> None:
                parts = urlsplit(self.path)
                path = parts.path
                if path in ("/", "/index.html"):
                    body = server.index_html().encode()
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        return self._send(304, b"", "text/html", {"ETag": etag}, length=0, head=True)
                    return self._send(200, body, "text/html; charset=utf-8", {"ETag": etag}, head=head)
                if path in server.files:
                    return self._serve_file(server.files[path], head)
                if path == "/doc" and parts.query == "id=1" and server.files:
                    return self._serve_file(sorted(server.files.values())[0], head)
                if path == "/about.html":
                    return self._send(200, b"<p>about</p>", "text/html", head=head)
                if server.failing:
                    if path == "/fail/500.pdf":
                        return self._send(500, b"boom", "text/plain", head=head)
                    if path == "/fail/truncated.pdf":
                        data = sorted(server.files.values())[0].read_bytes()
                        self._send(200, data[: len(data) // 3], headers={"Connection": "close"},
                                   length=len(data), head=head)
                        self.close_connection = True
                        return
                    if path == "/fail/redirect.pdf":
                        return self._send(302, b"", "text/plain",
                                          {"Location": "http://not-configured.invalid/x.pdf"}, length=0,
                                          head=head)
                if path == "/flaky.pdf" and server.files:
                    with server._lock:
                        left = server.flaky_left
                        server.flaky_left = max(0, left - 1)
                    if left > 0:
                        return self._send(503, b"busy", "text/plain", head=head)
                    return self._serve_file(sorted(server.files.values())[-1], head)
                return self._send(404, b"not found", "text/plain", head=head)

        return Handler


def shared_pdfs(shared_dir: Path) -> dict[str, Path]:
    """URL path → shared PDF (real/ and dev/pdf/)."""
    out = {}
    for sub, prefix in (("corpus/real", "/real/"), ("corpus/dev/pdf", "/dev/")):
        for f in sorted((shared_dir / sub).glob("*.pdf")):
            out[prefix + f.name] = f
    return out


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (a source that is down)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/index.html"


def make_pdfs(folder: Path, n: int, *, pages: int = 2, prefix: str = "gen") -> list[Path]:
    """``n`` distinct small French meeting papers rendered with reportlab."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = folder / f"{prefix}_{i:03d}.pdf"
        c = canvas.Canvas(str(path), pagesize=A4)
        c.setTitle(f"UNEP/CMS/StC{50 + i}/Doc.{i}")
        for p in range(pages):
            y = 800
            c.setFont("Helvetica", 10)
            c.drawString(60, y, f"UNEP/CMS/StC{50 + i}/Doc.{i}")
            y -= 30
            for line in (
                f"Document {i}, page {p + 1}.",
                "Le Comité permanent prie le Secrétariat de faire rapport à la COP14",
                f"sur la mise en oeuvre de la Résolution 11.{10 + i % 20} avant le 31 décembre 2025.",
                "Les Parties sont invitées à coopérer avec la CITES et la CDB.",
                f"Paragraphe {p + 1}.{i}: texte de la réunion numéro {i * 7 + p}.",
            ):
                c.drawString(60, y, line)
                y -= 16
            c.drawString(290, 40, str(p + 1))
            c.showPage()
        c.save()
        out.append(path)
    return out
