"""Where new meeting papers come from: folders and HTTP index pages.

Plain library code (no Prefect). A source is configured by a string:

* ``folder:/path/to/dir`` (or a bare existing directory): every ``*.pdf`` below
  it, recursively, yielded with size and mtime; a file whose size and mtime
  did not change since the last run is marked unchanged and reuses its
  remembered sha256 (no re-hashing);
* ``http://host/…/index.html`` (or https): a page listing PDF links: ``<a href>``
  ending in ``.pdf``, or linking a same-host file served as
  ``application/pdf`` (asked with a HEAD). The page itself is fetched with a
  conditional request; on a 304 the remembered list of links is reused;
* ``http://host/…/paper.pdf``: one PDF.

:func:`discover` returns the candidates of every configured source and the
failures met on the way (a source down, a 404, a link to a host that is not
configured…); one failing source never stops the others.
:func:`fetch_candidate` makes a candidate a local file (a download for a URL,
conditional, atomic; see :mod:`docmine.reading.fetch`).

State (validators, local copies, file sizes/mtimes/sha256) lives in
``<data_dir>/sources_state.json`` (see :class:`docmine.reading.fetch.FetchState`).
"""
from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urldefrag, urljoin, urlsplit

from .fetch import (DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, FetchError, Fetcher, FetchState, host_of,
                    state_path)

#: link suffixes never asked about with a HEAD (pages, images, archives…)
_NOT_PDF_SUFFIX = re.compile(r"\.(html?|php|aspx?|jsp|txt|css|js|png|jpe?g|gif|svg|zip|docx?|xlsx?|"
                             r"pptx?|xml|json|csv|md|ico)$", re.I)
#: at most this many HEAD requests per index page
MAX_HEAD_PROBES = 200


# --------------------------------------------------------------------------- records
@dataclass
class Candidate:
    """One document a source offers: a local file or a URL."""

    source: str  # the configured source string it came from
    kind: str  # file|url
    location: str  # absolute path or URL
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None  # known without hashing (unchanged file, remembered download)
    changed: bool = True  # new or changed since the last run (files); always True for URLs

    def to_dict(self) -> dict:
        # its fields are plain values: a shallow dict (dataclasses.asdict deep-copies, 10× slower)
        return {f: getattr(self, f) for f in _CANDIDATE_FIELDS}


_CANDIDATE_FIELDS = ("source", "kind", "location", "size", "mtime_ns", "sha256", "changed")


@dataclass
class SourceFailure:
    """A source or a link that could not be used, with a code and a one-line reason."""

    source: str
    location: str
    code: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    failures: list[SourceFailure] = field(default_factory=list)
    #: per source: {"kind", "candidates", "not_modified"?, "error"?}
    sources: dict[str, dict] = field(default_factory=dict)


@dataclass
class LocalFile:
    """A candidate made local: where its bytes are, and what is known of them."""

    location: str  # path or URL as recorded
    path: str
    size: int | None = None
    sha256: str | None = None
    not_modified: bool = False  # an HTTP 304 (the remembered copy is used)


# --------------------------------------------------------------------------- parsing
def parse_source(spec: str) -> tuple[str, str]:
    """``(kind, target)`` for a source string; kind in folder|http|url_pdf."""
    s = str(spec).strip()
    if s.lower().startswith("folder:"):
        return "folder", str(Path(s[len("folder:"):]).expanduser())
    if s.lower().startswith(("http://", "https://")):
        path = urlsplit(s).path.lower()
        return ("url_pdf" if path.endswith(".pdf") else "http"), s
    if s.lower().startswith("file:"):
        return "folder", str(Path(s[len("file:"):]).expanduser())
    return "folder", str(Path(s).expanduser())


def allowed_hosts_for(specs: Iterable[str], extra: Iterable[str] = ()) -> set[str]:
    """Hosts (``host[:port]``) the configured HTTP sources may be fetched from."""
    hosts = {host_of(t) for k, t in map(parse_source, specs) if k in ("http", "url_pdf")}
    return hosts | {h.lower() for h in extra if h}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "a":
            for k, v in attrs:
                if k == "href" and v:
                    self.hrefs.append(v.strip())
        elif tag == "base":
            for k, v in attrs:
                if k == "href" and v:
                    self.base = v.strip()


def parse_links(html: str, base_url: str) -> list[str]:
    """Absolute ``<a href>`` targets of a page, in order, without fragments or duplicates."""
    p = _Links()
    p.feed(html)
    base = urljoin(base_url, p.base) if p.base else base_url
    seen: dict[str, None] = {}
    for href in p.hrefs:
        if href.startswith(("mailto:", "javascript:", "#", "tel:")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme in ("http", "https"):
            seen.setdefault(url, None)
    return list(seen)


def _is_pdf_link(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(".pdf")


# --------------------------------------------------------------------------- discovery
def discover_folder(spec: str, folder: str, state: FetchState | None) -> Discovery:
    out = Discovery()
    root = Path(folder)
    files = None
    if root.is_file():  # one file given as a path: a candidate whatever its name (ingest says not_pdf)
        files = [(str(root.parent), [root.name])]
    if not root.exists() or not (root.is_dir() or root.is_file()):
        code = "not_found" if not root.exists() else "not_a_folder"
        out.failures.append(SourceFailure(spec, _shown(root), code, f"{_shown(root)} is not a readable folder"))
        out.sources[spec] = {"kind": "folder", "candidates": 0, "error": code}
        return out
    known = state.section("files") if state else {}
    walk = ((d, n) for d, _, n in _walk(root)) if files is None else iter(files)
    for dirpath, filenames in walk:
        # the walk never enters a symlinked folder: resolving each folder once and
        # each file only when it is a link gives what Path.resolve() would, per
        # file, at a fraction of the cost (10,000 files: seconds → tenths)
        real_dir = os.path.realpath(dirpath)
        for name in sorted(filenames):
            if files is None and (not name.lower().endswith(".pdf") or name.startswith(".")):
                continue
            raw = os.path.join(dirpath, name)
            try:
                path = os.path.join(real_dir, name)
                if os.path.islink(path):
                    path = str(Path(path).resolve())
                st = os.stat(path)
            except (OSError, RuntimeError) as exc:  # symlink loop, broken link, vanished
                loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
                out.failures.append(SourceFailure(
                    spec, _shown(raw), "unreadable",
                    "symlink loop: the link never reaches a file" if loop
                    else f"cannot stat: {getattr(exc, 'strerror', None) or exc}"))
                continue
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block the reader for ever
                out.failures.append(SourceFailure(spec, _shown(path), "unreadable",
                                                  "not a regular file (a FIFO, socket or device): not read"))
                continue
            if _shown(path) != str(path):  # the name is not UTF-8: no database or JSON takes it as is
                out.failures.append(SourceFailure(
                    spec, _shown(path), "bad_name",
                    "the file name is not valid UTF-8: rename the file (or use `docmine ingest`)"))
                continue
            prev = known.get(str(path))
            unchanged = bool(prev and prev.get("size") == st.st_size
                             and prev.get("mtime_ns") == st.st_mtime_ns and prev.get("sha256"))
            out.candidates.append(Candidate(
                source=spec, kind="file", location=str(path), size=st.st_size, mtime_ns=st.st_mtime_ns,
                sha256=prev["sha256"] if unchanged else None, changed=not unchanged))
    out.sources[spec] = {"kind": "folder", "candidates": len(out.candidates)}
    return out


def _shown(path) -> str:
    """A path as UTF-8 text (bytes of a non-UTF-8 name written ``\\xNN``)."""
    s = os.fsdecode(os.fspath(path))
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _walk(root: Path):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        yield dirpath, dirnames, filenames


def discover_http(spec: str, url: str, fetcher: Fetcher, state: FetchState | None) -> Discovery:
    out = Discovery()
    info: dict = {"kind": "http", "candidates": 0}
    out.sources[spec] = info
    try:
        page = fetcher.get_page(url)
    except FetchError as exc:
        out.failures.append(SourceFailure(spec, url, exc.code, exc.reason))
        info["error"] = exc.code
        return out
    known = state.get("urls", url) if state else None
    if page.not_modified and known and known.get("links") is not None:
        pdf_links = list(known["links"])
        info["not_modified"] = True
    else:
        ctype = page.content_type.split(";")[0].strip().lower()
        if ctype == "application/pdf":  # the "index" is itself a PDF
            pdf_links = [url]
        else:
            charset = _charset(page.content_type) or "utf-8"
            html = (page.content or b"").decode(charset, errors="replace")
            pdf_links = []
            probes = 0
            for link in parse_links(html, page.final_url or url):
                if _is_pdf_link(link):
                    pdf_links.append(link)
                    continue
                if host_of(link) not in fetcher.allowed_hosts or _NOT_PDF_SUFFIX.search(urlsplit(link).path):
                    continue
                if urlsplit(link).path.endswith("/") or probes >= MAX_HEAD_PROBES:
                    continue
                probes += 1
                try:
                    if fetcher.head_type(link) == "application/pdf":
                        pdf_links.append(link)
                except FetchError:
                    continue  # a link that is not a PDF (or is broken) is not a candidate
        if state is not None:
            state.update("urls", url, {"etag": page.etag, "last_modified": page.last_modified,
                                       "links": pdf_links, "content_type": page.content_type})
    for link in pdf_links:
        if host_of(link) not in fetcher.allowed_hosts:
            out.failures.append(SourceFailure(
                spec, link, "host_not_allowed",
                f"linked from {url}, but host {host_of(link)} is not a configured source"))
            continue
        out.candidates.append(Candidate(source=spec, kind="url", location=link))
    info["candidates"] = len(out.candidates)
    return out


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset=([\w.-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def discover(specs: Sequence[str], *, data_dir: Path | str, timeout: float = DEFAULT_TIMEOUT,
             max_bytes: int = DEFAULT_MAX_BYTES, allowed_hosts: Iterable[str] = ()) -> Discovery:
    """Candidates and failures of every configured source (duplicates removed, order kept)."""
    state = FetchState(state_path(data_dir))
    state.compact()  # the previous run's remembered files, into the file once (one write per run)
    hosts = allowed_hosts_for(specs, allowed_hosts)
    out = Discovery()
    with Fetcher(hosts, state=state, timeout=timeout, max_bytes=max_bytes) as fetcher:
        for spec in specs:
            kind, target = parse_source(spec)
            if kind == "folder":
                part = discover_folder(spec, target, state)
            elif kind == "http":
                part = discover_http(spec, target, fetcher, state)
            else:
                part = Discovery(candidates=[Candidate(source=spec, kind="url", location=target)],
                                 sources={spec: {"kind": "url", "candidates": 1}})
            out.failures.extend(part.failures)
            out.sources.update(part.sources)
            out.candidates.extend(part.candidates)
    seen: set[str] = set()
    unique = []
    for c in out.candidates:
        if c.location not in seen:
            seen.add(c.location)
            unique.append(c)
    out.candidates = unique
    return out


# --------------------------------------------------------------------------- fetching
def fetch_candidate(candidate: Candidate, *, data_dir: Path | str, allowed_hosts: Iterable[str],
                    timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES) -> LocalFile:
    """A local file for a candidate: the file itself, or a (conditional, atomic)
    download into ``<data_dir>/downloads/<host>/…``. Raises :class:`FetchError`."""
    if candidate.kind == "file":
        p = Path(candidate.location)
        if not p.is_file():
            raise FetchError("not_found", f"{p} is gone", candidate.location)
        if candidate.size is not None and candidate.size > max_bytes:
            raise FetchError("too_large", f"{candidate.size} bytes, limit {max_bytes}", candidate.location)
        return LocalFile(candidate.location, str(p), size=candidate.size, sha256=candidate.sha256)
    state = FetchState(state_path(data_dir))
    with Fetcher(allowed_hosts, state=state, downloads_dir=Path(data_dir) / "downloads",
                 timeout=timeout, max_bytes=max_bytes) as fetcher:
        res = fetcher.download(candidate.location)
    return LocalFile(candidate.location, str(res.path), size=res.size, sha256=res.sha256,
                     not_modified=res.not_modified)


def remember_file(data_dir: Path | str, candidate: Candidate, sha256: str) -> None:
    """Record a folder file as handled (size, mtime, sha256) so the next run
    knows it unchanged without hashing it."""
    if candidate.kind != "file":
        return
    FetchState(state_path(data_dir)).update("files", candidate.location, {
        "size": candidate.size, "mtime_ns": candidate.mtime_ns, "sha256": sha256})


def remember_files(data_dir: Path | str, items: Iterable[tuple[Candidate, str]]) -> None:
    """:func:`remember_file` for many, in one append to the state's journal."""
    FetchState(state_path(data_dir)).update_many("files", [
        (c.location, {"size": c.size, "mtime_ns": c.mtime_ns, "sha256": sha})
        for c, sha in items if c.kind == "file" and sha])
