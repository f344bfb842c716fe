"""HTTP fetching for the sources: conditional requests, host allow-list, size
limit and atomic downloads. Plain library code (httpx), no Prefect.

* Every request is conditional when validators are known (``If-None-Match`` from
  the ETag, ``If-Modified-Since`` from Last-Modified); a 304 reuses the copy
  already downloaded.
* Redirects are followed by hand, and only to configured hosts: a redirect to
  any other host is refused (``FetchError("redirect_refused")``) without
  contacting it.
* A download goes to a temporary file beside its target and is moved into place
  with ``os.replace`` only when complete: a body shorter than its
  ``Content-Length`` is an error (``truncated``), a body over the size limit is
  an error (``too_large``); a partial file is never left in place.
* Validators are remembered in a small JSON state file under ``data_dir``
  (:class:`FetchState`), guarded by a lock file so several processes may share it.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import unquote, urljoin, urlsplit

import httpx

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "docmine-fetch/0.1 (+https://github.com/docmine)"

#: failure codes and whether trying again later may help
RETRYABLE = {"unreachable": True, "timeout": True, "http_5xx": True, "truncated": True,
             "http_4xx": False, "http_404": False, "redirect_refused": False,
             "host_not_allowed": False, "too_large": False, "too_many_redirects": False,
             "bad_url": False, "not_pdf": False}


class FetchError(Exception):
    """A fetch that failed: ``code`` (see :data:`RETRYABLE`), a one-line ``reason``, the ``url``."""

    def __init__(self, code: str, reason: str, url: str = ""):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.url = url

    @property
    def retryable(self) -> bool:
        return RETRYABLE.get(self.code, False)

    def __reduce__(self):  # picklable across Dask workers
        return (FetchError, (self.code, self.reason, self.url))


def host_of(url: str) -> str:
    """``host[:port]`` in lower case, the unit of the allow-list."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


# --------------------------------------------------------------------------- state
class FetchState:
    """Validators and local copies per URL, in a JSON file (atomic writes, locked).

    Layout: ``{"urls": {url: {"etag", "last_modified", "path", "size", "sha256",
    "content_type", "fetched_at", "links"?}}, "files": {path: {"size", "mtime_ns", "sha256"}}}``.

    :meth:`update` appends one line to a journal beside the file
    (``<file>.journal``, JSON lines ``{"s": section, "k": key, "v": value}``)
    instead of rewriting the whole file, so recording one document costs the
    same at 10 or 10,000 entries; reads apply the journal over the file, and
    the journal is folded into the file (atomically) once it exceeds
    :data:`JOURNAL_MAX_BYTES`, or by any full write. A line cut short by a
    killed process is ignored (that entry is simply not remembered).
    """

    #: journal size beyond which :meth:`update` folds it into the file
    JOURNAL_MAX_BYTES = 4_000_000

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.journal = self.path.with_suffix(self.path.suffix + ".journal")

    @contextlib.contextmanager
    def _locked(self):
        lock_path = self.path.with_suffix(self.path.suffix + ".lock")
        with open(lock_path, "a+") as fh:
            try:
                import fcntl
                fcntl.flock(fh, fcntl.LOCK_EX)
            except (ImportError, OSError):  # pragma: no cover - non-POSIX
                pass
            yield

    def _read(self) -> dict:
        data = None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        if not isinstance(data, dict):
            data = {}
        data.setdefault("urls", {})
        data.setdefault("files", {})
        try:
            with open(self.journal, "rb") as fh:
                for line in fh:
                    try:
                        e = json.loads(line)
                        section = data.setdefault(e["s"], {})
                        if e["v"] is None:
                            section.pop(e["k"], None)
                        else:
                            section[e["k"]] = e["v"]
                    except (ValueError, KeyError, TypeError, AttributeError):
                        continue  # a torn or foreign line
        except FileNotFoundError:
            pass
        return data

    def _write(self, data: dict) -> None:
        """The whole state to the file, then an empty journal (caller holds the lock)."""
        atomic_write_bytes(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
        with contextlib.suppress(FileNotFoundError):
            os.truncate(self.journal, 0)

    def get(self, section: str, key: str) -> dict | None:
        with self._locked():
            return self._read()[section].get(key)

    def update(self, section: str, key: str, value: dict | None) -> None:
        self.update_many(section, [(key, value)])

    def update_many(self, section: str, items) -> None:
        """:meth:`update` for many ``(key, value)`` pairs: one append to the journal."""
        data = b"".join((json.dumps({"s": section, "k": k, "v": v}, sort_keys=True) + "\n").encode("utf-8")
                        for k, v in items)
        if not data:
            return
        with self._locked():
            with open(self.journal, "ab") as fh:
                fh.write(data)
                size = fh.tell()
            if size > self.JOURNAL_MAX_BYTES:
                self._write(self._read())

    def compact(self) -> None:
        """Fold the journal into the file now."""
        with self._locked():
            if self.journal.exists() and self.journal.stat().st_size:
                self._write(self._read())

    def section(self, section: str) -> dict:
        with self._locked():
            return dict(self._read()[section])


def state_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / "sources_state.json"


# --------------------------------------------------------------------------- files
def atomic_write_bytes(target: Path, data: bytes) -> None:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: longest sanitised basename kept in a local file name (bytes = characters: ASCII only)
MAX_BASENAME = 80


def _decoded(text: str, rounds: int = 4) -> str:
    """Percent-decoding repeated until stable (``%252e`` → ``%2e`` → ``.``)."""
    for _ in range(rounds):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def safe_basename(url: str) -> str:
    """A file name made from the last segment of ``url``'s path, safe on every
    file system: fully percent-decoded first, ``\\`` taken as ``/``, only
    ``[A-Za-z0-9._-]`` kept (anything else becomes ``_``; NUL and control
    characters too), no leading dot, at most :data:`MAX_BASENAME` characters,
    ending in ``.pdf``; ``index.pdf`` when nothing is left."""
    path = _decoded(urlsplit(url).path).replace("\\", "/")
    name = path.rsplit("/", 1)[-1]
    name = _SAFE.sub("_", name).lstrip("._-")
    if name.lower().endswith(".pdf"):
        name = name[:-4]
    name = name[: MAX_BASENAME - 4].rstrip("._-") or "index"
    return name + ".pdf"


def download_path(downloads_dir: Path, url: str) -> Path:
    """Where ``url`` is stored: ``<downloads_dir>/<host>/<hash>-<name>.pdf``.

    ``<hash>`` is the first 16 hex digits of the sha256 of the whole URL (so
    two URLs never share a file, query strings included); ``<name>`` is
    :func:`safe_basename` and ``<host>`` the host (and port) with the same
    character rule. The name is derived from the URL, never taken from it, so
    no encoding of ``..`` (``%2e%2e``, ``%252e%252e``, ``..%2f``, ``..\\``),
    absolute path or NUL in a link can place a file elsewhere; as a last guard
    the resolved path must lie inside ``downloads_dir``, else
    ``FetchError("unsafe_path")`` is raised."""
    host = _SAFE.sub("_", host_of(url)).strip("._-") or "unknown-host"
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    target = Path(downloads_dir, host, f"{digest}-{safe_basename(url)}")
    root = Path(downloads_dir).resolve()
    if not target.resolve().is_relative_to(root) or target.resolve().parent == root:
        raise FetchError("unsafe_path", f"refused to write outside {root}: {target}", url)
    return target


# --------------------------------------------------------------------------- HTTP
@dataclass
class FetchResult:
    url: str  # the URL asked for
    final_url: str  # after redirects (same allowed hosts)
    status: int  # 200 or 304
    path: Path | None = None  # local copy (downloads) or None (pages read to memory)
    content: bytes | None = None  # pages read to memory
    size: int | None = None
    sha256: str | None = None
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    redirects: list[str] = field(default_factory=list)


class Fetcher:
    """Conditional GETs limited to ``allowed_hosts``; use as a context manager."""

    def __init__(self, allowed_hosts: Iterable[str], *, state: FetchState | None = None,
                 downloads_dir: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
                 max_bytes: int = DEFAULT_MAX_BYTES, client: httpx.Client | None = None):
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.state = state
        self.downloads_dir = Path(downloads_dir) if downloads_dir else None
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._own_client = client is None
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(timeout), follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}, trust_env=False)

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals
    def _check_host(self, url: str, *, redirect_from: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad_url", f"not an http(s) URL: {url}", url)
        if host_of(url) not in self.allowed_hosts:
            if redirect_from:
                raise FetchError("redirect_refused",
                                 f"{redirect_from} redirects to {url}, whose host {host_of(url)} "
                                 "is not a configured source", redirect_from)
            raise FetchError("host_not_allowed", f"host {host_of(url)} is not a configured source", url)

    @contextlib.contextmanager
    def _open(self, url: str, headers: dict[str, str]) -> Iterator[tuple[httpx.Response, list[str]]]:
        """Stream a GET, following redirects within the allowed hosts."""
        self._check_host(url)
        current, hops = url, []
        for _ in range(MAX_REDIRECTS + 1):
            try:
                req = self.client.build_request("GET", current, headers=headers)
                resp = self.client.send(req, stream=True)
            except httpx.TimeoutException as exc:
                raise FetchError("timeout", f"no answer within {self.timeout:g}s ({type(exc).__name__})", url)
            except (httpx.ConnectError, httpx.NetworkError) as exc:
                raise FetchError("unreachable", f"cannot connect to {host_of(current)}: {_one_line(exc)}", url)
            except httpx.HTTPError as exc:
                raise FetchError("unreachable", f"{type(exc).__name__}: {_one_line(exc)}", url)
            if resp.has_redirect_location:
                location = resp.headers.get("location", "")
                resp.close()
                target = urljoin(current, location)
                self._check_host(target, redirect_from=current)
                hops.append(target)
                current = target
                continue
            try:
                yield resp, hops
            finally:
                resp.close()
            return
        raise FetchError("too_many_redirects", f"more than {MAX_REDIRECTS} redirects", url)

    def _conditional_headers(self, url: str) -> tuple[dict[str, str], dict | None]:
        known = self.state.get("urls", url) if self.state else None
        headers: dict[str, str] = {}
        if known:
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        return headers, known

    @staticmethod
    def _raise_for_status(resp: httpx.Response, url: str) -> None:
        code = resp.status_code
        if code == 404:
            raise FetchError("http_404", f"HTTP 404 Not Found: {resp.url}", url)
        if 500 <= code < 600:
            raise FetchError("http_5xx", f"HTTP {code} {resp.reason_phrase}: {resp.url}", url)
        if code >= 400 or code < 200 or code >= 300:
            raise FetchError("http_4xx", f"HTTP {code} {resp.reason_phrase}: {resp.url}", url)

    # -- public
    def get_page(self, url: str, *, conditional: bool = True) -> FetchResult:
        """A (small) page read into memory; ``not_modified`` with ``content=None`` on a 304."""
        headers, known = self._conditional_headers(url) if conditional else ({}, None)
        with self._open(url, headers) as (resp, hops):
            if resp.status_code == 304 and known:
                return FetchResult(url, str(resp.url), 304, not_modified=True, redirects=hops,
                                   etag=known.get("etag"), last_modified=known.get("last_modified"))
            self._raise_for_status(resp, url)
            body = self._read_limited(resp, url)
            return FetchResult(url, str(resp.url), resp.status_code, content=body, size=len(body),
                               content_type=resp.headers.get("content-type", ""),
                               etag=resp.headers.get("etag"),
                               last_modified=resp.headers.get("last-modified"), redirects=hops)

    def head_type(self, url: str) -> str:
        """The Content-Type a URL is served as (a HEAD request; redirects within the allowed hosts)."""
        self._check_host(url)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                resp = self.client.head(current)
            except httpx.TimeoutException:
                raise FetchError("timeout", f"no answer within {self.timeout:g}s", url)
            except httpx.HTTPError as exc:
                raise FetchError("unreachable", f"cannot connect to {host_of(current)}: {_one_line(exc)}", url)
            if resp.has_redirect_location:
                target = urljoin(current, resp.headers.get("location", ""))
                self._check_host(target, redirect_from=current)
                current = target
                continue
            self._raise_for_status(resp, url)
            return resp.headers.get("content-type", "").split(";")[0].strip().lower()
        raise FetchError("too_many_redirects", f"more than {MAX_REDIRECTS} redirects", url)

    def _read_limited(self, resp: httpx.Response, url: str, sink=None) -> bytes:
        expected = _content_length(resp)
        if expected is not None and expected > self.max_bytes:
            raise FetchError("too_large", f"{expected} bytes announced, limit {self.max_bytes}", url)
        chunks: list[bytes] = []
        got = 0
        try:
            for chunk in resp.iter_raw():
                got += len(chunk)
                if got > self.max_bytes:
                    raise FetchError("too_large", f"more than {self.max_bytes} bytes", url)
                if sink is not None:
                    sink(chunk)
                else:
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise FetchError("timeout", f"body stalled for {self.timeout:g}s after {got} bytes", url)
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise FetchError("truncated", f"connection closed after {got} of "
                             f"{expected if expected is not None else '?'} bytes ({_one_line(exc)})", url)
        if expected is not None and got != expected:
            raise FetchError("truncated", f"received {got} bytes, Content-Length says {expected}", url)
        return b"".join(chunks)

    def download(self, url: str) -> FetchResult:
        """Download ``url`` into ``downloads_dir`` (atomically), or reuse the copy on a 304.

        Validators and the local copy are recorded in the state only after the
        file is complete and in place.
        """
        if self.downloads_dir is None:
            raise ValueError("Fetcher.download needs downloads_dir")
        headers, known = self._conditional_headers(url)
        if known and not (known.get("path") and Path(known["path"]).is_file()):
            headers, known = {}, None  # the local copy is gone: fetch it whole
        target = download_path(self.downloads_dir, url)
        with self._open(url, headers) as (resp, hops):
            if resp.status_code == 304 and known:
                return FetchResult(url, str(resp.url), 304, path=Path(known["path"]), size=known.get("size"),
                                   sha256=known.get("sha256"), content_type=known.get("content_type", ""),
                                   etag=known.get("etag"), last_modified=known.get("last_modified"),
                                   not_modified=True, redirects=hops)
            self._raise_for_status(resp, url)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            digest = hashlib.sha256()
            try:
                with os.fdopen(fd, "wb") as fh:
                    def sink(chunk: bytes) -> None:
                        digest.update(chunk)
                        fh.write(chunk)
                    self._read_limited(resp, url, sink=sink)
                    fh.flush()
                    os.fsync(fh.fileno())
                size = os.path.getsize(tmp)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            result = FetchResult(url, str(resp.url), resp.status_code, path=target, size=size,
                                 sha256=digest.hexdigest(),
                                 content_type=resp.headers.get("content-type", ""),
                                 etag=resp.headers.get("etag"),
                                 last_modified=resp.headers.get("last-modified"), redirects=hops)
        if self.state is not None:
            self.state.update("urls", url, {
                "etag": result.etag, "last_modified": result.last_modified, "path": str(target),
                "size": result.size, "sha256": result.sha256, "content_type": result.content_type,
                "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        return result


def _content_length(resp: httpx.Response) -> int | None:
    raw = resp.headers.get("content-length")
    if raw is None or resp.headers.get("content-encoding", "identity") not in ("identity", ""):
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
