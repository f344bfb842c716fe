"""Full-text search over page text, French-aware, accents folded.

Two engines, one behaviour:

* **SQLite**: an FTS5 table ``page_fts`` (rowid = ``pages.id``) whose indexed
  text is the page text *folded* (accents removed, lower case, ligatures
  spread: ``œ`` → ``oe``) and *stemmed* with the Snowball French stemmer
  (``snowballstemmer``); the query is processed the same way, so
  ``coopération technique``, ``cooperation techniques`` and ``COOPÉRATIONS
  TECHNIQUES`` find the same pages. Kept up to date by :func:`index_document`
  (called by :mod:`docmine.store.write` and :mod:`docmine.run`; :func:`search_pages`
  also catches up pages ingested since).
* **PostgreSQL**: a GIN expression index on
  ``to_tsvector('french', docmine_unaccent(coalesce(text, '')))`` (the
  ``unaccent`` extension behind an immutable wrapper); queries use
  ``websearch_to_tsquery('french', docmine_unaccent(:q))``. Nothing to maintain.

Query syntax (both engines): a page matches when it has any of the words
(French function words ignored), pages with more of them first; ``"a
phrase"`` in double quotes is one term; ``-word`` excludes. Snippets come
from the raw page text around the hits, hits marked ``**like this**``.
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

_WORD = re.compile(r"\w+", re.UNICODE)
#: French function words dropped from queries (PostgreSQL's ``french`` config drops them too)
STOPWORDS = frozenset("""au aux avec ce ces dans de des du elle en et eux il je la le les leur
lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son
sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y a ete etre""".split())


# ------------------------------------------------------------------ text processing
_COMBINING = re.compile(r"[\u0300-\u036f]+")
#: letters NFKD leaves whole
_SPECIAL = (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"), ("ß", "ss"), ("ø", "o"),
            ("Ø", "o"), ("đ", "d"), ("Đ", "d"), ("ł", "l"), ("Ł", "l"), ("’", "'"))


def fold(s: str) -> str:
    """Lower case, accents removed, ligatures spread (``Œuvre`` → ``oeuvre``,
    ``11ᵉ`` → ``11e``)."""
    if s.isascii():
        return s.lower()
    s = _COMBINING.sub("", unicodedata.normalize("NFKD", s))
    for a, b in _SPECIAL:
        if a in s:
            s = s.replace(a, b)
    return s.lower()


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("french")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball French stem of one folded word."""
    return _stemmer().stemWord(word)


@lru_cache(maxsize=200_000)
def stem_raw(word: str) -> str:
    """Stem of one word as written (folded first); cached."""
    return stem(fold(word))


def terms_of(s: str) -> list[str]:
    """The stems of a text, in order (what the SQLite index holds)."""
    return [stem(w) for w in _WORD.findall(fold(s))]


def index_text(s: str | None) -> str:
    return " ".join(terms_of(s or ""))


@dataclass
class Term:
    """One query term: a word, or a quoted phrase (``raw`` as typed, ``stems`` processed)."""
    raw: str
    stems: list[str]
    phrase: bool = False


@dataclass
class ParsedQuery:
    """A search string: ``terms`` (a page matches when it has any of them; pages
    with more of them rank first) and ``exclude`` (pages with any are dropped)."""
    terms: list[Term]
    exclude: list[Term]

    @property
    def stems(self) -> set[str]:
        return {t for term in self.terms for t in term.stems}

    def fts5(self, all_terms: bool = False) -> str:
        """The FTS5 MATCH expression (stems are ``\\w+`` only, each phrase quoted):
        any term (or every term with ``all_terms``), minus the excluded ones."""
        def q(t: Term) -> str:
            return '"' + " ".join(t.stems) + '"'
        expr = (" AND " if all_terms else " OR ").join(q(t) for t in self.terms)
        if self.exclude:
            expr = f"({expr}) NOT (" + " OR ".join(q(t) for t in self.exclude) + ")"
        return expr

    def postgres(self, all_terms: bool = False) -> tuple[str, dict[str, str]]:
        """A tsquery SQL expression over bound parameters, and the parameters."""
        params: dict[str, str] = {}
        parts = []
        for i, t in enumerate(self.terms):
            params[f"t{i}"] = t.raw
            fn = "phraseto_tsquery" if t.phrase else "plainto_tsquery"
            parts.append(f"{fn}('french', docmine_unaccent(:t{i}))")
        expr = "(" + (" && " if all_terms else " || ").join(parts) + ")"
        for i, t in enumerate(self.exclude):
            params[f"x{i}"] = t.raw
            fn = "phraseto_tsquery" if t.phrase else "plainto_tsquery"
            expr = f"({expr} && !!{fn}('french', docmine_unaccent(:x{i})))"
        return expr, params

    def matched(self, page_stems: set[str]) -> int:
        """How many terms a page has (a phrase counts when all its words are there)."""
        return sum(1 for t in self.terms if all(s in page_stems for s in t.stems))


def parse_query(words: str) -> ParsedQuery:
    """Parse ``words``: bare words (French function words dropped), ``"a
    phrase"``, ``-word`` or ``-"a phrase"`` to exclude; ``OR`` is accepted
    and changes nothing (any term matches; pages with more terms rank first)."""
    tokens = re.findall(r'-?"[^"]*"?|\S+', words or "")
    terms: list[Term] = []
    exclude: list[Term] = []
    for tok in tokens:
        if tok in ("OR", "AND", "|", "+"):
            continue
        neg = tok.startswith("-") and len(tok) > 1
        if neg:
            tok = tok[1:]
        tok = tok.lstrip("+")
        if tok.startswith('"'):
            raw = tok.strip('"')
            stems = terms_of(raw)
            found = [Term(raw, stems, True)] if stems else []
        else:
            found = [Term(w, [stem(fold_w)]) for w in _WORD.findall(tok)
                     for fold_w in [fold(w)] if fold_w not in STOPWORDS]
        (exclude if neg else terms).extend(found)
    if not terms:  # only function words: search them after all
        terms = [Term(w, [stem(fold(w))]) for w in _WORD.findall(words or "")
                 if w not in ("OR", "AND")]
    # one term per distinct stem (``coopération coopérations`` is one term)
    seen, uniq = set(), []
    for t in terms:
        key = tuple(t.stems)
        if key not in seen:
            seen.add(key)
            uniq.append(t)
    return ParsedQuery(uniq, exclude)


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
#: above this many matching pages the engine's relevance ranking (bm25 /
#: ts_rank over every match) is skipped: candidates are the first pages, by
#: id, having every term, then any term
RANK_MAX = 3000


def search_pages(words: str, *, session: Session, limit: int = 20) -> list[dict]:
    """Pages matching ``words``, best first: dicts with page_id, document_id,
    page, text, rank (the engine's score, None for unranked candidates), terms
    (how many query terms the page has), hits (query-word occurrences), start
    (offset of the snippet's first hit) and snippet.

    Order, the same on both engines: most terms, most hits, then document and
    page, among candidates: the engine's best ``max(4 × limit, 100)`` pages by
    relevance when at most :data:`RANK_MAX` pages match; beyond that (very
    common words) the first pages by id having every term, then any term.
    """
    q = parse_query(words)
    if not q.terms:
        return []
    pool = max(limit * 4, 100)
    sqlite = _dialect(session) == "sqlite"
    if sqlite:
        catch_up(session)
        base = (f"SELECT p.id, p.document_id, p.number, p.text, {FTS_TABLE}.body AS stems, "
                f"{{rank}} AS rank FROM {FTS_TABLE} JOIN pages p ON p.id = {FTS_TABLE}.rowid "
                f"WHERE {FTS_TABLE} MATCH :q")

        def fetch(all_terms: bool, ranked: bool, exclude: list[int] = ()):
            sql = base.format(rank=f"bm25({FTS_TABLE})" if ranked else "NULL")
            params = {"q": q.fts5(all_terms), "n": pool}
            if exclude:
                sql += " AND p.id NOT IN :ex"
            sql += " ORDER BY rank, p.id LIMIT :n" if ranked else " ORDER BY p.id LIMIT :n"
            stmt = text(sql)
            if exclude:
                stmt = stmt.bindparams(bindparam("ex", expanding=True))
                params["ex"] = list(exclude)
            return session.execute(stmt, params).all()

        n_match = session.execute(text(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} "
                                       "MATCH :q"), {"q": q.fts5()}).scalar()
    else:
        def fetch(all_terms: bool, ranked: bool, exclude: list[int] = ()):
            tsq, params = q.postgres(all_terms)
            rank = f"ts_rank({PG_TSVECTOR}, {tsq})" if ranked else "NULL::real"
            sql = (f"SELECT p.id, p.document_id, p.number, p.text, {rank} AS rank FROM pages p "
                   f"WHERE {PG_TSVECTOR} @@ {tsq}")
            if exclude:
                sql += " AND p.id NOT IN :ex"
            sql += " ORDER BY rank DESC, p.id LIMIT :n" if ranked else " ORDER BY p.id LIMIT :n"
            stmt = text(sql)
            params = {**params, "n": pool}
            if exclude:
                stmt = stmt.bindparams(bindparam("ex", expanding=True))
                params["ex"] = list(exclude)
            return session.execute(stmt, params).all()

        tsq, params = q.postgres()
        n_match = session.execute(text(f"SELECT count(*) FROM pages p WHERE {PG_TSVECTOR} @@ {tsq}"),
                                  params).scalar()
    if n_match <= RANK_MAX:
        rows = fetch(False, True)
    else:
        rows = fetch(True, False) if len(q.terms) > 1 else []
        if len(rows) < pool:
            rows += fetch(False, False, [r.id for r in rows])
    stems = q.stems
    out = []
    for r in rows:
        stored = getattr(r, "stems", None)  # SQLite: the index holds the page's stems
        words_ = stored.split() if stored is not None else \
            [stem(w) for w in _WORD.findall(fold(r.text or ""))]
        rank = None if r.rank is None else (-float(r.rank) if sqlite else float(r.rank))
        out.append({"page_id": r.id, "document_id": r.document_id, "page": r.number,
                    "text": r.text, "rank": rank, "terms": q.matched(set(words_)),
                    "hits": sum(1 for w in words_ if w in stems)})
    out.sort(key=lambda d: (-d["terms"], -d["hits"], d["document_id"], d["page"]))
    out = out[:limit]
    for d in out:  # snippets for the pages returned only
        d["snippet"], _hits, d["start"] = snippet(d["text"] or "", stems)
    return out


def snippet(page_text: str, stems: Iterable[str], width: int = 90) -> tuple[str, int, int | None]:
    """``(snippet, hits, start)``: the raw text around the densest cluster of
    query stems (whitespace collapsed, hits marked ``**…**``), the number of
    hits on the page, and the offset of the cluster's first hit."""
    stems = set(stems)
    hits = [(m.start(), m.end()) for m in _WORD.finditer(page_text)
            if stem_raw(m.group()) in stems]
    if not hits:
        return re.sub(r"\s+", " ", page_text[:2 * width]).strip(), 0, None
    # the most distinct query words, within the shortest span (within 2 × width)
    hit_stems = [stem_raw(page_text[a:b]) for a, b in hits]
    best, best_key = 0, None
    for i, (s, _e) in enumerate(hits):
        seen: set[str] = set()
        span = 0
        for j in range(i, len(hits)):
            a, b = hits[j]
            if a > s + 2 * width:
                break
            if hit_stems[j] not in seen:
                seen.add(hit_stems[j])
                span = b - s
        key = (-len(seen), span)
        if best_key is None or key < best_key:
            best, best_key = i, key
    s0 = hits[best][0]
    lo = max(0, s0 - width // 2)
    hi = min(len(page_text), s0 + 2 * width)
    if lo > 0:  # do not cut words
        m = re.search(r"\s", page_text[lo:s0])
        lo = lo + m.end() if m else s0
    if hi < len(page_text):
        m = re.search(r"\s\S*$", page_text[hits[best][1]:hi])
        hi = hits[best][1] + m.start() if m else hi
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
