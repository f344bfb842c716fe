"""Full-text search over page text, French-aware, accents folded.

Two engines, one behaviour:

* **SQLite**: an FTS5 table ``page_fts`` (rowid = ``pages.id``) whose indexed
  text is the page text *folded* (accents removed, lower case, ligatures
  spread: ``œ`` → ``oe``) and *stemmed* with the Snowball French stemmer
  (``snowballstemmer``); the query is processed the same way, so
  ``coopération technique``, ``cooperation techniques`` and ``COOPÉRATIONS
  TECHNIQUES`` find the same pages. Kept up to date by :func:`index_document`
  (called by :mod:`docmine.store` and :mod:`docmine.run`; :func:`search_pages`
  also catches up pages ingested since).
* **PostgreSQL**: a GIN expression index on
  ``to_tsvector('french', docmine_unaccent(coalesce(text, '')))`` (the
  ``unaccent`` extension behind an immutable wrapper); queries use
  ``websearch_to_tsquery('french', docmine_unaccent(:q))``. Nothing to maintain.

Query syntax (both engines): words are ANDed; ``"a phrase"`` in double
quotes; ``a OR b``; ``-word`` excludes. Snippets come from the raw page text
around the hits, hits marked ``**like this**``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import snowballstemmer
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

#: the FTS5 table (SQLite) and the PostgreSQL expression the GIN index covers
FTS_TABLE = "page_fts"
PG_TSVECTOR = "to_tsvector('french', docmine_unaccent(coalesce(p.text, '')))"
PG_TSQUERY = "websearch_to_tsquery('french', docmine_unaccent(:q))"

_WORD = re.compile(r"\w+", re.UNICODE)
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss",
                            "’": "'", "ﬁ": "fi", "ﬂ": "fl"})
#: French function words dropped from queries (PostgreSQL's ``french`` config drops them too)
STOPWORDS = frozenset("""au aux avec ce ces dans de des du elle en et eux il je la le les leur
lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son
sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y a ete etre""".split())


# ------------------------------------------------------------------ text processing
def fold(s: str) -> str:
    """Lower case, accents removed, ligatures spread (``Œuvre`` → ``oeuvre``)."""
    s = s.translate(_LIGATURES)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.lower()


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("french")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball French stem of one folded word."""
    return _stemmer().stemWord(word)


def terms(s: str) -> list[str]:
    """The stems of a text, in order (what the SQLite index holds)."""
    return [stem(w) for w in _WORD.findall(fold(s))]


def index_text(s: str | None) -> str:
    return " ".join(terms(s or ""))


@dataclass
class ParsedQuery:
    """A search string split into clauses: AND of (OR of phrases); ``exclude`` phrases."""
    clauses: list[list[list[str]]]
    exclude: list[list[str]]

    @property
    def stems(self) -> set[str]:
        return {t for c in self.clauses for ph in c for t in ph}

    def fts5(self) -> str:
        """The FTS5 MATCH expression (stems are ``\\w+`` only, each quoted)."""
        def phrase(p: list[str]) -> str:
            return '"' + " ".join(p) + '"'
        parts = []
        for c in self.clauses:
            alts = [phrase(p) for p in c]
            parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
        expr = " AND ".join(parts)
        for p in self.exclude:
            expr = f"{expr} NOT {phrase(p)}"
        return expr


def parse_query(words: str) -> ParsedQuery:
    """Parse ``words``: bare words ANDed, ``"phrase"``, ``OR``, ``-word``."""
    tokens = re.findall(r'-?"[^"]*"?|\S+', words or "")
    clauses: list[list[list[str]]] = []
    exclude: list[list[str]] = []
    pending_or = False
    for tok in tokens:
        if tok == "OR":
            pending_or = bool(clauses)
            continue
        neg = tok.startswith("-") and len(tok) > 1
        if neg:
            tok = tok[1:]
        quoted = tok.startswith('"')
        stems = terms(tok.strip('"'))
        if not quoted:
            kept = [t for t in stems if fold(t) not in STOPWORDS]
            stems = kept
        if not stems:
            pending_or = False
            continue
        phrases = [stems] if quoted else [[t] for t in stems]
        if neg:
            exclude.extend(phrases)
        elif pending_or and clauses:
            clauses[-1].extend(phrases[:1])
            clauses.extend([p] for p in phrases[1:])
        else:
            clauses.extend([p] for p in phrases)
        pending_or = False
    if not clauses:  # only stopwords: search them after all
        stems = [t for t in terms(words or "") if t.upper() != "OR"]
        clauses = [[[t]] for t in stems]
    return ParsedQuery(clauses, exclude)


# ------------------------------------------------------------------ index maintenance
def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_document(document_id: int, *, session: Session) -> int:
    """(Re)index one document's pages for full-text search. SQLite: rewrites its
    rows of ``page_fts``; PostgreSQL: nothing to do (expression index).
    Returns the number of pages indexed."""
    if _dialect(session) != "sqlite":
        return 0
    rows = session.execute(text("SELECT id, text FROM pages WHERE document_id = :d"),
                           {"d": document_id}).all()
    return _index_pages(session, rows)


def _index_pages(session: Session, rows) -> int:
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :ids")
                    .bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    # every page gets a row (empty text too): max(rowid) is the high-water mark of catch_up
    payload = [{"id": pid, "body": index_text(t)} for pid, t in rows]
    session.execute(text(f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (:id, :body)"), payload)
    return sum(1 for _pid, t in rows if t)


def catch_up(session: Session, batch: int = 2000) -> int:
    """Index pages added since the last indexed one (SQLite; pages are only
    ever appended by ingestion). Returns the number of pages indexed."""
    if _dialect(session) != "sqlite":
        return 0
    last = session.execute(text(f"SELECT coalesce(max(rowid), 0) FROM {FTS_TABLE}")).scalar()
    top = session.execute(text("SELECT coalesce(max(id), 0) FROM pages")).scalar()
    n = 0
    while top > last:
        rows = session.execute(text("SELECT id, text FROM pages WHERE id > :last ORDER BY id "
                                    "LIMIT :n"), {"last": last, "n": batch}).all()
        if not rows:
            break
        n += _index_pages(session, rows)
        last = rows[-1][0]
    return n


def reindex_all(*, session: Session) -> int:
    """Rebuild the whole SQLite index (e.g. after changing the stemmer)."""
    if _dialect(session) != "sqlite":
        return 0
    session.execute(text(f"DELETE FROM {FTS_TABLE}"))
    return catch_up(session)


# ------------------------------------------------------------------ searching
def search_pages(words: str, *, session: Session, limit: int = 20) -> list[dict]:
    """Pages matching ``words``, best first: dicts with page_id, document_id,
    page, text, rank (engine score), hits (query-stem occurrences on the page),
    start (offset of the best snippet's first hit) and snippet."""
    q = parse_query(words)
    if not q.clauses:
        return []
    pool = max(limit * 5, 100)
    if _dialect(session) == "sqlite":
        catch_up(session)
        rows = session.execute(text(
            f"SELECT p.id, p.document_id, p.number, p.text, bm25({FTS_TABLE}) AS rank "
            f"FROM {FTS_TABLE} JOIN pages p ON p.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH :q ORDER BY rank LIMIT :n"),
            {"q": q.fts5(), "n": pool}).all()
        scored = [(r, -float(r.rank)) for r in rows]
    else:
        rows = session.execute(text(
            f"SELECT p.id, p.document_id, p.number, p.text, "
            f"ts_rank({PG_TSVECTOR}, {PG_TSQUERY}) AS rank FROM pages p "
            f"WHERE {PG_TSVECTOR} @@ {PG_TSQUERY} ORDER BY rank DESC, p.id LIMIT :n"),
            {"q": words, "n": pool}).all()
        scored = [(r, float(r.rank)) for r in rows]
    out = []
    stems = q.stems
    for r, rank in scored:
        snip, hits, first = snippet(r.text or "", stems)
        out.append({"page_id": r.id, "document_id": r.document_id, "page": r.number,
                    "text": r.text, "rank": rank, "hits": hits, "start": first,
                    "snippet": snip})
    # same order on both engines: most hits, then document and page
    out.sort(key=lambda d: (-d["hits"], d["document_id"], d["page"]))
    return out[:limit]


def snippet(page_text: str, stems: Iterable[str], width: int = 90) -> tuple[str, int, int | None]:
    """``(snippet, hits, start)``: the raw text around the densest cluster of
    query stems (whitespace collapsed, hits marked ``**…**``), the number of
    hits on the page, and the offset of the cluster's first hit."""
    stems = set(stems)
    hits = [(m.start(), m.end()) for m in _WORD.finditer(page_text)
            if stem(fold(m.group())) in stems]
    if not hits:
        return re.sub(r"\s+", " ", page_text[:2 * width]).strip(), 0, None
    best, best_score = 0, -1
    for i, (s, _e) in enumerate(hits):
        window = {stem(fold(page_text[a:b])) for a, b in hits if s <= a <= s + 2 * width}
        score = len(window) * 1000 + sum(1 for a, _ in hits if s <= a <= s + 2 * width)
        if score > best_score:
            best, best_score = i, score
    s0 = hits[best][0]
    lo = max(0, s0 - width // 2)
    hi = min(len(page_text), s0 + 2 * width)
    parts, pos = [], lo
    for a, b in hits:
        if a >= lo and b <= hi:
            parts.append(page_text[pos:a])
            parts.append("**" + page_text[a:b] + "**")
            pos = b
    parts.append(page_text[pos:hi])
    snip = re.sub(r"\s+", " ", "".join(parts)).strip()
    if lo > 0:
        snip = "…" + snip
    if hi < len(page_text):
        snip += "…"
    return snip, len(hits), s0
