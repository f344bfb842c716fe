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

Query syntax, the same on both engines (:func:`parse_query`):

* bare words: a page matches when it has any of them; pages with more of the
  query's terms come first, then pages with more hits;
* a token made of several words joined by punctuation (a UN document symbol
  such as ``UNEP/CMS/StC52/11``, a number such as ``11.10``, ``d'ici``) is
  one term: its words adjacent and in order, like ``"a phrase"`` in double
  quotes;
* ``word*`` (or ``"a phra*"``) is a prefix: the stem of what is typed, then
  anything (``coop*`` finds ``coopération``, ``coopérer``);
* ``-word`` or ``-"a phrase"`` excludes the pages that have it (a query needs
  at least one term to find: exclusions alone are refused);
* French function words (PostgreSQL's ``french`` stop list, the Snowball
  list: ``le``, ``de``, ``sont``…) are left out of the index and of queries; a
  query made only of them, an empty query, or a query with nothing but
  exclusions raises :class:`SearchQueryError` (a ``ValueError``) saying why.

Both indexes hold the same words: the page text folded (accents removed,
lower case, ligatures spread), cut at every character that is not a letter or
a digit, stop words dropped, words stemmed with the Snowball French stemmer
(words with digits, such as ``stc52`` or ``11e``, are kept whole). SQLite
stores them in FTS5; PostgreSQL applies its ``french`` configuration (the same
stemmer and stop list) to the text with every non-alphanumeric character
replaced by a space. Snippets come from the raw page text around the hits,
with the hits' offsets in the snippet (``highlights``), no markup.
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

#: the FTS5 table (SQLite)
FTS_TABLE = "page_fts"
#: the PostgreSQL expression the GIN index ``ix_pages_fts_words`` covers (migration 0003):
#: the page text unaccented, every run of non-alphanumeric characters made one space
#: (so a symbol ``UNEP/CMS/StC52/11`` is four words, as in the SQLite index), then the
#: ``french`` text search configuration (Snowball stemmer, Snowball stop list)
PG_TSVECTOR = ("to_tsvector('french', regexp_replace(docmine_unaccent(coalesce(p.text, '')), "
               "'(\\W|_)+', ' ', 'g'))")

#: a word: a run of letters and digits (the underscore and all punctuation separate words)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: French function words left out of the index and of queries: PostgreSQL's ``french``
#: stop list (the Snowball French list, ``tsearch_data/french.stop``), the entries that
#: are their own folded form (PostgreSQL compares them with the unaccented text)
STOPWORDS = frozenset("""au aux avec ce ces dans de des du elle en et eux il je la le leur lui
ma mais me mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te
tes toi ton tu un une vos votre vous c d j l m n s t y suis es est sommes sont serai seras
sera serons serez seront serais serait serions seriez seraient fus fut furent sois soit soyons
soyez soient fusse fusses fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus
ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez
auraient avais avait avions aviez avaient eut eurent aie aies ait ayons ayez aient eusse
eusses eussions eussiez eussent""".split())


class SearchQueryError(ValueError):
    """A search string that asks for nothing: empty, only function words, or
    only exclusions. The message says which, in one line."""


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
    """Snowball French stem of one folded word; a word with a digit (``stc52``,
    ``11e``, ``2016``) is kept whole, as PostgreSQL's ``french`` configuration
    does (its ``numword``/``int`` tokens go to the ``simple`` dictionary)."""
    if any(c.isdigit() for c in word):
        return word
    return _stemmer().stemWord(word)


@lru_cache(maxsize=200_000)
def stem_raw(word: str) -> str:
    """Stem of one word as written (folded first); cached."""
    return stem(fold(word))


def words_of(s: str) -> list[str]:
    """The folded words of a text, in order (function words included)."""
    return _WORD.findall(fold(s))


def terms_of(s: str) -> list[str]:
    """The stems of a text's words, function words left out, in order: what
    both indexes hold."""
    return [stem(w) for w in words_of(s) if w not in STOPWORDS]


def index_text(s: str | None) -> str:
    return " ".join(terms_of(s or ""))


@dataclass
class Term:
    """One query term: a word, or several adjacent words (a quoted phrase, or
    words joined by punctuation such as a document symbol). ``raw`` as typed;
    ``words`` folded (function words included, for PostgreSQL's phrase
    distances); ``stems`` the indexed stems; ``prefix``: the last stem is a
    prefix."""
    raw: str
    words: list[str]
    stems: list[str]
    phrase: bool = False
    prefix: bool = False

    def fts5(self) -> str:
        return '"' + " ".join(self.stems) + '"' + (" *" if self.prefix else "")

    def tsquery(self) -> str:
        """to_tsquery text (words are letters and digits only: nothing to escape)."""
        ws = list(self.words)
        if self.prefix:
            ws[-1] += ":*"
        return "(" + " <-> ".join(ws) + ")"

    def found_in(self, page_stems: set[str]) -> bool:
        """Whether a page with these stems has every word of the term (prefix-aware)."""
        *whole, last = self.stems
        if not all(s in page_stems for s in whole):
            return False
        return any(p.startswith(last) for p in page_stems) if self.prefix else last in page_stems


@dataclass
class ParsedQuery:
    """A search string: ``terms`` (a page matches when it has any of them; pages
    with more of them rank first) and ``exclude`` (pages with any are dropped)."""
    terms: list[Term]
    exclude: list[Term]

    @property
    def stems(self) -> set[str]:
        return {t for term in self.terms for t in term.stems}

    def is_hit(self, stem_: str) -> bool:
        """Whether a page word (its stem) is one of the query's words."""
        return any(stem_ == s or (t.prefix and j == len(t.stems) - 1 and stem_.startswith(s))
                   for t in self.terms for j, s in enumerate(t.stems))

    def fts5(self, all_terms: bool = False) -> str:
        """The FTS5 MATCH expression (stems are letters and digits only, each
        term quoted): any term (or every term with ``all_terms``), minus the
        excluded ones."""
        expr = (" AND " if all_terms else " OR ").join(t.fts5() for t in self.terms)
        if self.exclude:
            expr = f"({expr}) NOT (" + " OR ".join(t.fts5() for t in self.exclude) + ")"
        return expr

    def tsquery(self, all_terms: bool = False) -> str:
        """The PostgreSQL ``to_tsquery('french', …)`` text: the same terms and
        exclusions (phrases with ``<->``, prefixes with ``:*``)."""
        expr = (" & " if all_terms else " | ").join(t.tsquery() for t in self.terms)
        if self.exclude:
            expr = f"({expr}) & !(" + " | ".join(t.tsquery() for t in self.exclude) + ")"
        return expr

    def matched(self, page_stems: set[str]) -> int:
        """How many terms a page has (a phrase counts when all its words are there)."""
        return sum(1 for t in self.terms if t.found_in(page_stems))


_TOKEN = re.compile(r'-?"[^"]*"?\*?|\S+')


def parse_query(words: str) -> ParsedQuery:
    """Parse ``words`` (syntax in the module docstring). ``OR``, ``AND``, ``|``
    and ``+`` are accepted and change nothing. Raises :class:`SearchQueryError`
    when nothing is left to find."""
    terms: list[Term] = []
    exclude: list[Term] = []
    stop_only: list[str] = []
    for tok in _TOKEN.findall(words or ""):
        if tok in ("OR", "AND", "|", "+"):
            continue
        neg = tok.startswith("-") and len(tok) > 1
        body = tok[1:] if neg else tok.lstrip("+")
        quoted = body.startswith('"')
        prefix = body.rstrip('"').endswith("*")
        inner = body.strip('"').rstrip("*").rstrip('"') if quoted else body.rstrip("*")
        ws = words_of(inner)
        content = [w for w in ws if w not in STOPWORDS]
        if not content:
            if ws:
                stop_only.append(inner)
            continue
        # function words at the ends of a phrase do not count (PostgreSQL drops them)
        while ws and ws[0] in STOPWORDS:
            ws.pop(0)
        while ws and ws[-1] in STOPWORDS:
            ws.pop()
        term = Term(inner, ws, [stem(w) for w in content], phrase=len(content) > 1,
                    prefix=prefix)
        (exclude if neg else terms).append(term)
    if not terms:
        if exclude:
            raise SearchQueryError(
                "a search needs a word to find: -word only leaves out the pages that have it")
        if stop_only:
            raise SearchQueryError(
                f"nothing to search in {words.strip()!r}: only French function words "
                "(le, la, de, sont…), which the index leaves out")
        raise SearchQueryError("nothing to search: give one or more words")
    # one term per distinct stem sequence (``coopération coopérations`` is one term)
    seen, uniq = set(), []
    for t in terms:
        key = (tuple(t.stems), t.prefix)
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
#: up to this many matching pages, every match is ordered (most terms, most
#: hits, document, page); beyond it the candidates are the first pages by id
#: having every term, then any term — the same pages on both engines
ORDER_ALL_MAX = 1000


def search_pages(words: str, *, session: Session, limit: int = 20) -> list[dict]:
    """Pages matching ``words``, best first: dicts with page_id, document_id,
    page, text, rank (the engine's own score: bm25 on SQLite, ts_rank on
    PostgreSQL; not used for ordering), terms (how many query terms the page
    has), hits (query-word occurrences), start (offset of the snippet's first
    hit in the page), snippet (plain text) and highlights (``[start, end]``
    offsets of the hits in the snippet).

    Order, the same on both engines: most terms, most hits, then document and
    page — over every matching page when at most :data:`ORDER_ALL_MAX` match,
    else over the first ``max(4 × limit, 100)`` pages by id having every term,
    then any term. Raises :class:`SearchQueryError` for a query that asks for
    nothing (see :func:`parse_query`).
    """
    q = parse_query(words)
    limit = max(1, int(limit))
    pool = max(limit * 4, 100)
    sqlite = _dialect(session) == "sqlite"
    if sqlite:
        catch_up(session)
        base = (f"SELECT p.id, p.document_id, p.number, p.text, {FTS_TABLE}.body AS stems, "
                f"bm25({FTS_TABLE}) AS rank FROM {FTS_TABLE} JOIN pages p "
                f"ON p.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH :q")
        count = f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"

        def qparam(all_terms: bool) -> dict:
            return {"q": q.fts5(all_terms)}
    else:
        base = (f"SELECT p.id, p.document_id, p.number, p.text, "
                f"ts_rank({PG_TSVECTOR}, to_tsquery('french', :q)) AS rank FROM pages p "
                f"WHERE {PG_TSVECTOR} @@ to_tsquery('french', :q)")
        count = f"SELECT count(*) FROM pages p WHERE {PG_TSVECTOR} @@ to_tsquery('french', :q)"

        def qparam(all_terms: bool) -> dict:
            return {"q": q.tsquery(all_terms)}

    def fetch(all_terms: bool, n: int | None, exclude: list[int] = ()):
        sql, params = base, qparam(all_terms)
        if exclude:
            sql += " AND p.id NOT IN :ex"
        sql += " ORDER BY p.id"
        if n is not None:
            sql += " LIMIT :n"
            params["n"] = n
        stmt = text(sql)
        if exclude:
            stmt = stmt.bindparams(bindparam("ex", expanding=True))
            params["ex"] = list(exclude)
        return session.execute(stmt, params).all()

    n_match = session.execute(text(count), qparam(False)).scalar()
    if n_match <= ORDER_ALL_MAX:
        rows = fetch(False, None)
    else:
        rows = fetch(True, pool) if len(q.terms) > 1 else []
        if len(rows) < pool:
            rows += fetch(False, pool - len(rows), [r.id for r in rows])
    out = []
    for r in rows:
        stored = getattr(r, "stems", None)  # SQLite: the index holds the page's stems
        words_ = stored.split() if stored is not None else terms_of(r.text or "")
        rank = None if r.rank is None else (-float(r.rank) if sqlite else float(r.rank))
        out.append({"page_id": r.id, "document_id": r.document_id, "page": r.number,
                    "text": r.text, "rank": rank, "terms": q.matched(set(words_)),
                    "hits": sum(1 for w in words_ if q.is_hit(w))})
    out.sort(key=lambda d: (-d["terms"], -d["hits"], d["document_id"], d["page"]))
    out = out[:limit]
    for d in out:  # snippets for the pages returned only
        d["snippet"], d["highlights"], _hits, d["start"] = snippet(d["text"] or "", q)
    return out


def snippet(page_text: str, query: "ParsedQuery | Iterable[str]",
            width: int = 90) -> tuple[str, list[list[int]], int, int | None]:
    """``(snippet, highlights, hits, start)``: the raw text around the densest
    cluster of query words (whitespace collapsed, no markup), the ``[start,
    end]`` offsets of the hits inside the snippet, the number of hits on the
    page, and the page offset of the cluster's first hit. ``query`` is a
    :class:`ParsedQuery` or a set of stems."""
    if isinstance(query, ParsedQuery):
        is_hit = query.is_hit
    else:
        stems = set(query)
        is_hit = stems.__contains__
    hits = [(m.start(), m.end()) for m in _WORD.finditer(page_text)
            if fold(m.group()) not in STOPWORDS and is_hit(stem_raw(m.group()))]
    if not hits:
        return re.sub(r"\s+", " ", page_text[:2 * width]).strip(), [], 0, None
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
    # build the snippet piece by piece, collapsing whitespace, keeping hit offsets
    out = "…" if lo > 0 else ""
    marks: list[list[int]] = []
    pos = lo

    def add(chunk: str) -> None:
        nonlocal out
        chunk = re.sub(r"\s+", " ", chunk)
        if out.endswith(" ") and chunk.startswith(" "):
            chunk = chunk[1:]
        if out in ("", "…"):
            chunk = chunk.lstrip()
        out += chunk

    for a, b in hits:
        if a >= lo and b <= hi:
            add(page_text[pos:a])
            start = len(out)
            add(page_text[a:b])
            marks.append([start, len(out)])
            pos = b
    add(page_text[pos:hi])
    out = out.rstrip()
    if hi < len(page_text):
        out += "…"
    return out, marks, len(hits), s0
