"""Issue 9: a link on an index page can never make a download land outside
``<data_dir>/downloads``: the local name is a hash of the URL plus a decoded,
sanitised basename, and the resolved path is checked to be inside."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from docmine.reading.fetch import FetchError, download_path, host_of, safe_basename
from docmine.reading.sources import discover, fetch_candidate
from test_pipeline_helpers import make_pdfs

#: (path part of a link, the basename it must give)
TRAVERSALS = [
    ("/%2e%2e/%2e%2e/%2e%2e/escaped/x.pdf", "x.pdf"),
    ("/%2E%2E/%2E%2E/escaped/X.PDF", "X.pdf"),
    ("/%252e%252e/%252e%252e/escaped/y.pdf", "y.pdf"),
    ("/%25252e%25252e/deep.pdf", "deep.pdf"),
    ("/..%2f..%2f..%2fescaped%2fz.pdf", "z.pdf"),
    ("/..%252f..%252fescaped%252fz2.pdf", "z2.pdf"),
    ("/..%5c..%5c..%5cescaped%5cw.pdf", "w.pdf"),
    ("/..%255c..%255cescaped%255cw2.pdf", "w2.pdf"),
    ("/a/..\\..\\..\\escaped\\b.pdf", "b.pdf"),
    ("/%2fetc%2fpasswd", "passwd.pdf"),
    ("//etc/passwd.pdf", "passwd.pdf"),
    ("/%2f%2fetc/shadow.pdf", "shadow.pdf"),
    ("/C:%5cWindows%5cwin.pdf", "win.pdf"),
    ("/http:%2f%2fevil.example%2f..%2f..%2fabs.pdf", "abs.pdf"),
    ("/docs/..", "index.pdf"),
    ("/docs/%2e%2e", "index.pdf"),
    ("/docs/%2e", "index.pdf"),
    ("/docs/.hidden.pdf", "hidden.pdf"),
    ("/docs/nul%00byte.pdf", "nul_byte.pdf"),
    ("/docs/nul%2500.pdf", "nul.pdf"),
    ("/docs/" + "a" * 5000 + ".pdf", "a" * 76 + ".pdf"),
    ("/docs/%C3%A9t%C3%A9%20r%C3%A9sum%C3%A9.pdf", "t_r_sum.pdf"),
    ("/docs/\u2025\u2024/\uff0e\uff0e\uff0fx.pdf", "x.pdf"),
    ("/docs/%E2%80%AEfdp.exe", "fdp.exe.pdf"),
    ("/docs/plain.pdf", "plain.pdf"),
    ("", "index.pdf"),
]


@pytest.mark.parametrize("path,name", TRAVERSALS)
def test_download_path_stays_inside(tmp_path, path, name):
    downloads = tmp_path / "data" / "downloads"
    url = "http://127.0.0.1:8080" + path
    p = download_path(downloads, url)
    assert p.resolve().is_relative_to(downloads.resolve())
    assert p.parent == downloads / "127.0.0.1_8080"
    digest, _, base = p.name.partition("-")
    assert len(digest) == 16 and base == name == safe_basename(url)
    assert "\x00" not in str(p) and len(p.name) <= 97
    # another URL never shares the file, even with the same basename
    assert download_path(downloads, url + "?v=2") != p


@pytest.mark.parametrize("host", ["..", ".", "...", "%2e%2e"])
def test_hostile_host_stays_inside(tmp_path, host):
    p = download_path(tmp_path / "dl", f"http://{host}/x.pdf")
    assert p.resolve().parent.parent == (tmp_path / "dl").resolve()


def test_symlinked_host_folder_is_refused(tmp_path):
    """The last guard: a resolved path outside the folder is refused in one line."""
    (tmp_path / "dl").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "dl" / "h").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FetchError) as ei:
        download_path(tmp_path / "dl", "http://h/x.pdf")
    assert ei.value.code == "unsafe_path" and "\n" not in str(ei.value.reason)


class _AnyPdfServer:
    """An index page listing hostile links; every other path answers a PDF."""

    def __init__(self, links: list[str], pdf: bytes):
        links_html = "".join(f'<a href="{h}">x</a>' for h in links)
        body = f"<html><body>{links_html}</body></html>".encode()
        self.paths: list[str] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _go(self, head):
                outer.paths.append(self.path)
                data, ctype = (body, "text/html") if self.path in ("/", "/index.html") else (pdf, "application/pdf")
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not head:
                    self.wfile.write(data)

            def do_GET(self):
                self._go(False)

            def do_HEAD(self):
                self._go(True)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_hostile_links_over_http_write_only_inside_downloads(tmp_path):
    pdf = make_pdfs(tmp_path / "src", 1, pages=1)[0].read_bytes()
    links = [p for p, _ in TRAVERSALS if p and "\x00" not in p and "\\" not in p] + [
        "%2e%2e/%2e%2e/%2e%2e/escaped/rel.pdf", "..%2f..%2f..%2fescaped%2frel2.pdf",
        "%252e%252e/%252e%252e/rel3.pdf"]
    srv = _AnyPdfServer(links, pdf)
    root = tmp_path / "work"
    data = root / "a" / "b" / "data"
    try:
        found = discover([srv.base + "/index.html"], data_dir=data)
        assert len(found.candidates) >= 20
        stored = []
        for c in found.candidates:
            lf = fetch_candidate(c, data_dir=data, allowed_hosts=[host_of(srv.base)])
            stored.append(Path(lf.path))
            assert Path(lf.path).read_bytes() == pdf
    finally:
        srv.close()
    downloads = (data / "downloads").resolve()
    assert all(p.resolve().is_relative_to(downloads) for p in stored)
    assert len(set(stored)) == len(stored)  # one file per URL
    # nothing at all was written outside the data folder
    outside = [p for p in root.rglob("*") if p.is_file() and not p.resolve().is_relative_to(data.resolve())]
    assert outside == []
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.rglob("escaped"))
