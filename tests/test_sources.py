"""Sources and fetching (library code, no Prefect): folders, HTTP index pages,
conditional requests, host allow-list, size limit, atomic downloads, failures."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from docmine.reading.fetch import FetchError, Fetcher, FetchState, download_path, host_of, state_path
from docmine.reading.sources import (Candidate, allowed_hosts_for, discover, fetch_candidate, parse_links,
                             parse_source, remember_files)
from test_pipeline_helpers import CorpusServer, closed_port_url, make_pdfs, shared_pdfs


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> list[Path]:
    return make_pdfs(tmp_path_factory.mktemp("pdfs"), 3, pages=1)


@pytest.fixture
def server(pdfs):
    files = {f"/docs/{p.name}": p for p in pdfs}
    with CorpusServer(files) as srv:
        yield srv


def test_parse_source_kinds(tmp_path):
    assert parse_source(f"folder:{tmp_path}") == ("folder", str(tmp_path))
    assert parse_source(str(tmp_path)) == ("folder", str(tmp_path))
    assert parse_source("http://h:8000/meetings/index.html")[0] == "http"
    assert parse_source("https://h/papers/a.PDF")[0] == "url_pdf"
    assert allowed_hosts_for(["http://Example.org:8000/x", "folder:/tmp"], ["a.b"]) == {"example.org:8000", "a.b"}


def test_parse_links_resolves_and_dedupes():
    html = ('<a href="a.pdf">A</a><a href="/b.pdf#p2">B</a><a href="a.pdf">again</a>'
            '<a href="mailto:x@y">m</a><A HREF="sub/c.PDF">C</A><a>no href</a>')
    assert parse_links(html, "http://h/dir/index.html") == [
        "http://h/dir/a.pdf", "http://h/b.pdf", "http://h/dir/sub/c.PDF"]


def test_download_path_is_under_host(tmp_path):
    p = download_path(tmp_path, "http://127.0.0.1:8080/a/b%20c/paper.pdf")
    assert p.parent == tmp_path / "127.0.0.1_8080" and p.name.endswith("-paper.pdf")
    q = download_path(tmp_path, "http://h/doc?id=1")
    assert q.parent == tmp_path / "h" and q.name.endswith("-doc.pdf")
    assert q != download_path(tmp_path, "http://h/doc?id=2")
    assert download_path(tmp_path, "http://h/../../etc/passwd").is_relative_to(tmp_path)


def test_folder_discovery_new_then_unchanged_then_changed(tmp_path, pdfs):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    a = folder / "a.pdf"
    b = folder / "sub" / "b.PDF"
    a.write_bytes(pdfs[0].read_bytes())
    b.write_bytes(pdfs[1].read_bytes())
    (folder / "notes.txt").write_text("not a pdf")
    data = tmp_path / "data"
    first = discover([f"folder:{folder}"], data_dir=data)
    assert sorted(Path(c.location).name for c in first.candidates) == ["a.pdf", "b.PDF"]
    assert all(c.changed and c.sha256 is None and c.size and c.mtime_ns for c in first.candidates)
    remember_files(data, [(c, "sha-" + Path(c.location).name) for c in first.candidates])
    second = discover([f"folder:{folder}"], data_dir=data)
    assert not any(c.changed for c in second.candidates)
    assert {c.sha256 for c in second.candidates} == {"sha-a.pdf", "sha-b.PDF"}
    time.sleep(0.01)
    a.write_bytes(pdfs[2].read_bytes())  # changed content
    third = {Path(c.location).name: c for c in discover([f"folder:{folder}"], data_dir=data).candidates}
    assert third["a.pdf"].changed and third["a.pdf"].sha256 is None
    assert not third["b.PDF"].changed


def test_missing_folder_is_a_recorded_failure(tmp_path):
    out = discover([f"folder:{tmp_path / 'nope'}", f"folder:{tmp_path}"], data_dir=tmp_path / "d")
    assert [f.code for f in out.failures] == ["not_found"]
    assert out.candidates == []


def test_http_index_conditional_and_failures(tmp_path, server):
    data = tmp_path / "data"
    d1 = discover([server.index_url], data_dir=data)
    locs = [c.location for c in d1.candidates]
    assert sorted(locs) == sorted([f"{server.base}{p}" for p in server.files]
                                  + [f"{server.base}/fail/{n}.pdf" for n in ("404", "500", "truncated", "redirect")]
                                  + [f"{server.base}/doc?id=1"])  # served as application/pdf (HEAD)
    assert [(f.code, f.location) for f in d1.failures] == [
        ("host_not_allowed", "http://other-host.invalid/paper.pdf")]
    assert server.count(200, prefix="/index.html") == 1
    # second discovery: 304 on the index, links remembered, no HEAD probes again
    heads = server.count(method="HEAD")
    d2 = discover([server.index_url], data_dir=data)
    assert server.count(304, prefix="/index.html") == 1
    assert d2.sources[server.index_url].get("not_modified") is True
    assert sorted(c.location for c in d2.candidates) == sorted(locs)
    assert server.count(method="HEAD") == heads


def test_download_conditional_atomic_and_errors(tmp_path, server):
    data = tmp_path / "data"
    hosts = [host_of(server.base)]
    name = sorted(server.files)[0]
    url = server.base + name
    c = Candidate(source=server.index_url, kind="url", location=url)
    got = fetch_candidate(c, data_dir=data, allowed_hosts=hosts)
    assert Path(got.path).read_bytes() == server.files[name].read_bytes()
    assert Path(got.path).is_relative_to(data / "downloads" / host_of(server.base).replace(":", "_"))
    assert not got.not_modified and len(got.sha256) == 64
    again = fetch_candidate(c, data_dir=data, allowed_hosts=hosts)
    assert again.not_modified and again.sha256 == got.sha256 and again.path == got.path
    assert server.count(304, prefix=name) == 1
    st = FetchState(state_path(data)).get("urls", url)
    assert st["etag"] and st["sha256"] == got.sha256

    def fails(path: str) -> FetchError:
        with pytest.raises(FetchError) as ei:
            fetch_candidate(Candidate(source="s", kind="url", location=server.base + path),
                            data_dir=data, allowed_hosts=hosts)
        return ei.value

    assert (e := fails("/fail/404.pdf")).code == "http_404" and not e.retryable
    assert (e := fails("/fail/500.pdf")).code == "http_5xx" and e.retryable
    e = fails("/fail/truncated.pdf")
    assert e.code == "truncated" and e.retryable
    e = fails("/fail/redirect.pdf")
    assert e.code == "redirect_refused" and "not-configured.invalid" in e.reason
    # nothing half-written is left in the downloads folder
    leftovers = [p for p in (data / "downloads").rglob("*") if p.is_file() and p.name.startswith(".")]
    assert leftovers == []
    assert not download_path(data / "downloads", server.base + "/fail/truncated.pdf").exists()


def test_size_limit_and_host_allow_list(tmp_path, server):
    name = sorted(server.files)[0]
    with Fetcher([host_of(server.base)], downloads_dir=tmp_path / "dl", max_bytes=100) as f:
        with pytest.raises(FetchError) as ei:
            f.download(server.base + name)
    assert ei.value.code == "too_large"
    assert not any(p.is_file() for p in (tmp_path / "dl").rglob("*"))
    with Fetcher(["example.org"], downloads_dir=tmp_path / "dl") as f:
        with pytest.raises(FetchError) as ei:
            f.download(server.base + name)
    assert ei.value.code == "host_not_allowed"


def test_source_down_is_recorded_and_others_go_on(tmp_path, server):
    down = closed_port_url()
    out = discover([down, server.index_url], data_dir=tmp_path, timeout=5)
    assert any(f.location == down and f.code == "unreachable" for f in out.failures)
    assert any(c.location.startswith(server.base) for c in out.candidates)


def test_shared_pdfs_over_http(tmp_path, shared_dir):
    files = shared_pdfs(shared_dir)
    with CorpusServer(files, failing=False) as srv:
        out = discover([srv.index_url], data_dir=tmp_path)
        assert len(out.candidates) == len(files) + 1  # + /doc?id=1
        hosts = [host_of(srv.base)]
        for c in out.candidates[:3]:
            lf = fetch_candidate(c, data_dir=tmp_path, allowed_hosts=hosts)
            assert os.path.getsize(lf.path) == lf.size


def test_remembering_a_file_appends_and_never_rewrites_the_state(tmp_path):
    """remember_file is O(1): one journal line per document (issue 15: the
    whole state file was rewritten per document, quadratic over 10,000)."""
    from docmine.reading.sources import remember_file
    data = tmp_path / "d"
    state = FetchState(state_path(data))
    state.update("urls", "http://h/a.pdf", {"etag": "x"})
    state.compact()
    before = state.path.read_bytes()
    for i in range(300):
        c = Candidate(source="folder:/x", kind="file", location=f"/x/{i}.pdf", size=i, mtime_ns=i)
        remember_file(data, c, f"{i:064d}")
    assert state.path.read_bytes() == before  # not rewritten
    assert len(state.journal.read_text().splitlines()) == 300
    files = FetchState(state_path(data)).section("files")
    assert len(files) == 300 and files["/x/7.pdf"] == {"size": 7, "mtime_ns": 7, "sha256": f"{7:064d}"}
    # a line cut short by a killed process is ignored; the rest is kept
    with open(state.journal, "ab") as fh:
        fh.write(b'{"s": "files", "k": "/x/torn.pdf", "v": {"si')
    assert "/x/torn.pdf" not in state.section("files") and len(state.section("files")) == 300
    # discover folds the journal into the file once
    discover([f"folder:{tmp_path / 'none'}"], data_dir=data)
    assert state.journal.stat().st_size == 0
    assert len(state.section("files")) == 300 and state.get("urls", "http://h/a.pdf") == {"etag": "x"}


def test_state_journal_is_folded_when_large(tmp_path, monkeypatch):
    state = FetchState(state_path(tmp_path))
    monkeypatch.setattr(FetchState, "JOURNAL_MAX_BYTES", 2_000)
    for i in range(50):
        state.update("files", f"/y/{i}.pdf", {"size": i, "mtime_ns": i, "sha256": "a" * 64})
    assert state.journal.stat().st_size <= 2_000 + 200
    assert len(state.section("files")) == 50
    state.update("files", "/y/3.pdf", None)  # a removal is journaled too
    assert "/y/3.pdf" not in FetchState(state_path(tmp_path)).section("files")
