"""docmine_actions: action items (spec §2) → ``doc._.action_items``.

Three sources of operative requests, all read from the normalised text
(``doc.text``, whitespace runs collapsed to one space):

1. an ``Action requise`` / ``Action requested`` section: the body invited
   (``Le Comité permanent est invité à :``) and its lettered items
   (``a. Prendre note …``), each item's own infinitive as verb;
2. a mandate written as a list (``Le Comité permanent s'appliquera, entre
   autres, à : • réfléchir … • explorer …``): one item per listed task, its
   own infinitive as verb, ``paragraph`` the letter or None for bullets;
3. operative clauses of decisions, recommendations and resolutions
   (``3. Prie le Secrétariat …``, ``Invite les Parties à …``,
   ``Recommande que …``): the addressee is the actor, the operative verb's
   infinitive the verb; lettered sub-items are items with the lead's actor and
   verb; the lead is an item only when it has a task before the list.

Actor ids come from the ORG mentions over the addressee, then from the
collective and body tables of ``models/patterns/actions.json`` with the
treaty of the context. Deadlines come from a MEETING or DATE mention preceded
by a deadline cue (``à sa``, ``d'ici le``), else from the component's own
small readers of the same forms. Every table is data in ``actions.json``.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from docmine.settings import PATTERNS_DIR  # installed: docmine/_data/models/patterns; checkout: models/patterns
from spacy.language import Language
from spacy.tokens import Doc

from collections import Counter

from ..treaty import document_treaty, treaties_in
from ..decision_structure import DecisionStructure, Node, decision_structure
from ..grammars.ordinals import ORDINAL_WORD_RE, parse_ordinal
from docmine.records import ActionItem, Deadline
from .boundaries import unit_start

DEFAULT_PATTERNS = PATTERNS_DIR

_ARTICLE = r"(?:Le|La|Les|L['’]|Au|Aux|The)"
#: words that may stand before the name of an addressee (French, English, Spanish)
_DETERMINERS = ("le", "la", "les", "l", "au", "aux", "à", "des", "du", "de", "d", "tous", "toutes", "ses", "son", "sa",
                "leur", "leurs", "the", "all", "its", "their", "el", "los", "las", "a", "al", "del", "todos",
                "todas", "su", "sus", "y", "et", "and")
_CLOSE = re.compile(r"[.;!?](?=\s|$)")
_LETTER = r"\(?([a-z])[.)]"
_BULLETS = "•▪◦●‣∙·\uf0b7\uf0a7-–—"
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]
_SEQUENCES = {"a": [chr(c) for c in range(ord("a"), ord("z") + 1)],
              "1": [str(i) for i in range(1, 100)],
              "i": _ROMAN}


#: ``doc.user_data`` key under which ``docmine.extraction.extract`` leaves the doc's text
#: (spaCy rebuilds ``doc.text`` from the tokens on every access)
TEXT_KEY = "docmine_text"


def doc_text(doc: Doc) -> str:
    t = doc.user_data.get(TEXT_KEY)
    return t if t is not None else doc.text


def _alt(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


@dataclass
class _Item:
    start: int
    end: int
    verb: str
    paragraph: str | None


class ActionFinder:
    """The compiled patterns; ``find(doc)`` gives the action items of a doc."""

    def __init__(self, patterns: dict, language: str = "fr"):
        p = lexicon_for(patterns, language) if "languages" in patterns else patterns
        self.p = p
        self.language = language
        lex = p
        self.lex = lex
        self.opener_re = re.compile(p["decision_openers"]) if p.get("decision_openers") else None
        ending = p.get("infinitive_ending", "(?:er|ir|re|oir)")
        self.infinitive_end_re = re.compile(r"%s$" % ending)
        #: the article that may open a subject (``Le Secrétariat``, ``The Secretariat``,
        #: English ``Parties are invited`` without one)
        article = self.article = p.get("subject_article", _ARTICLE)
        #: words before an infinitive (``à``/``de``, ``to``, Spanish ``a``)
        self.markers = set(p.get("infinitive_markers", ["à", "de", "d'", "d’", "to"]))
        markers = _alt(re.escape(m) for m in self.markers if not m.endswith(("'", "’")))
        #: a lead clause with a task of its own: "de/à/to" + an infinitive before the list
        self.lead_task_re = re.compile(r"(?:^|\s)(?:%s|d['’])\s?([\w’'-]*%s)\b" % (markers, ending))
        self.lead_not_task_re = re.compile(p["lead_not_task"]) if p.get("lead_not_task") else None
        #: words that end an addressee (Spanish ``Pide a la Secretaría que …``)
        self.actor_stop = set(p.get("actor_stop_words", []))
        self.actor_continuation = re.compile(p.get(
            "actor_continuation", r",\s*(les|le|la|l['’]|aux|au|des|d['’]autres|ainsi que)\b"), re.I)
        self.addressee_prep_re = re.compile(p.get(
            "addressee_prepositions", r"(?:aux |au |à l['’]|à la |à )"))
        self.modals = set(p.get("modal_verbs", [])) | {"devoir"}
        self.joined_re = re.compile(p["joined_operative"]) if p.get("joined_operative") else None
        self.joined_lead_re = re.compile(p["joined_lead"]) if p.get("joined_lead") else None
        self.passive = [(re.compile(k), v) for k, v in lex.get("passive_requests", {}).items()]
        self.passive_re = re.compile(
            # an incise between the verb and its list: ``is requested, subject to the
            # availability of resources, to: (a) …``
            r"(?<![\w.])(?P<actor>%s ?[A-ZÉÈ][^.;:]{0,200}?) (?P<pv>%s)"
            r"(?:,[^.;:,]{1,200},(?: [a-z]{1,3}['’]?)?(?=\s*:))?\s*(?P<colon>:)?"
            % (article, "|".join("(?:%s)" % k for k in lex.get("passive_requests", {}))) ) \
            if lex.get("passive_requests") else None
        self.indicative_re = re.compile(
            r"(?:(?P<pre>[A-ZÀ-Ý][^.;:,]{1,150}),\s)?(?P<actor>%s)(?P<inc>,[^.;:]{1,200})?\s?:"
            % lex["indicative_subject"]) \
            if lex.get("indicative_subject") else None
        self.irregular: dict[str, str] = lex.get("indicative_irregular", {})
        self.suffixes: list[list[str]] = lex.get("indicative_suffixes", [])
        self.ind_multi = sorted(lex.get("indicative_multiword", {}).items(), key=lambda kv: -len(kv[0]))
        self.not_indicative = set(lex.get("not_indicative", []))
        self.item_skip = re.compile(lex["item_skip"], re.I) if lex.get("item_skip") else None
        self.past_re = re.compile(lex["past_event_cues"], re.I) if lex.get("past_event_cues") else None
        self.future_re = re.compile(r"(?:^|\W)(?:%s)\W" % lex["future_cues"], re.I) if lex.get("future_cues") else None
        self.verbs: dict[str, str] = dict(p["operative_verbs"])
        # Ramsar and some CBD papers write the operative verb in capitals (DEMANDE, INVITE)
        self.verbs.update({k.upper(): v for k, v in list(self.verbs.items())})
        self.multiword = sorted(p.get("multiword_verbs", []), key=len, reverse=True)
        self.not_inf = set(p.get("not_infinitives", []))
        self.adjectives = set(p.get("addressee_adjectives", []))
        self.determiners = set(_DETERMINERS) | set(p.get("addressee_determiners", []))
        self.abbrev = set(p.get("abbreviations", []))
        self.ordinals: dict[str, int] = p.get("ordinals", {})
        self.months: dict[str, int] = p.get("months", {})
        self.section_re = re.compile(r"(?<![\w'’])(?:%s)\s*:?" % _alt(p["section_headings"]))
        self.invited_re = re.compile(
            r"(?<![\w.])(?P<actor>%s ?[^.;:]{1,200}?) (?:%s)(?: (?:à|de|to))?\s*(?::|(?= ))"
            % (article, _alt(p["invited_body"])))
        self.mandate_re = re.compile(
            r"(?<![\w.])(?P<actor>%s ?[A-ZÉÈ][^.;:]{0,200}?)(?:,? |, [^.;:,]{1,150}, )(?:%s)(?:,? (?:entre autres|notamment|inter alia),?|, [^.;:,]{1,150},?)? ?(?:à|de|d['’]|to)? ?:"
            % (article, _alt(p["mandate_triggers"])))
        adverbs = _alt(p.get("verb_adverbs", []))
        self.operative_re = re.compile(
            r"(?<!\w)(?:(?P<num>\d{1,3})(?:[.)] ?| ))?(?P<br>\[ ?)?(?P<verb>%s)(?P<adv>(?:,? (?:%s),?)*) (?=%s)"
            % (_alt(self.verbs), adverbs, p.get("addressee_lookahead",
                                                r"(?:que |qu['’])?(?:l['’]|le |la |les |au |aux |à |tous |toutes |the |all |[A-ZÉ])")))
        self.lead_word_re = re.compile(r"^(?:%s)" % _alt(p.get("item_lead_words", [])), re.I)
        collective = dict(p.get("collective_addressees", {}))
        self.collective = [(re.compile(r"^(?:%s)\b" % k, re.I), v) for k, v in collective.items()]
        self.bodies = sorted(p.get("body_addressees", {}).items(), key=lambda kv: -len(kv[0]))
        # whole words: a plural (``secretariats``) is a class, not the body
        self.body_re = re.compile(r"(%s)\b" % _alt(re.escape(k) for k in p.get("body_addressees", {})), re.I)
        self.meeting_bodies = p.get("meeting_bodies", {})
        self.meeting_body_re = re.compile(r"(%s)" % _alt(self.meeting_bodies), re.I)
        dets = _alt(p.get("deadline_determiners", []))
        self.cue_re = {label: re.compile(r"(?:^|\W)(?:%s)(?: (?:%s))? ?$" % (_alt(p[key]), dets), re.I)
                       for label, key in (("MEETING", "deadline_cues_meeting"), ("DATE", "deadline_cues_date"))}
        # ordinals in figures or words, any number (docmine.extraction.grammars.ordinals)
        ords = ORDINAL_WORD_RE + "|" + _alt(self.ordinals)
        fallback = p.get("meeting_fallback",
                         r"(?:à|lors de|avant|pour) (?:sa|la|leur) (?:prochaine )?(?P<ord>\d{1,3}(?:e|è|ème|eme|ieme|ième|er|re)?|{ordinals}) (?:réunion|session)")
        self.meeting_fallback_re = re.compile(fallback.replace("{ordinals}", ords), re.I)
        self.meeting_of = p.get("meeting_of", r"(?:du|de la|de l['’]|des)")
        months = _alt(self.months)
        self.date_fallback_re = re.compile(
            r"(?:d['’]ici|avant|au plus tard|by|before)(?: à| le| la| fin| à la fin de| la fin de| the| the end of)? (?:(?P<day>\d{1,2})(?:er)? )?(?:(?P<month>%s) )?(?P<year>\d{4})\b" % months, re.I)

    # ------------------------------------------------------------ text helpers
    def _closing(self, text: str, start: int, limit: int) -> int | None:
        """End (exclusive) of the first closing punctuation in [start, limit)."""
        for m in _CLOSE.finditer(text, start, limit):
            if m.group() == ".":
                word = re.search(r"([\w.]+)$", text[max(start, m.start() - 12):m.start()])
                if word and word.group(1) in self.abbrev:
                    continue
            return m.end()
        return None

    def _infinitive(self, text: str, start: int) -> tuple[str, int] | None:
        """The infinitive opening an item at ``start`` (after ``à``/``de``): (verb, verb start)."""
        while start < len(text) and text[start] in " :":
            start += 1
        rest = text[start:start + 80]
        m = self.lead_word_re.match(rest)
        off = m.end() if m else 0
        w = re.match(r"[\w’'-]+", rest[off:])
        if not w:
            return None
        low = rest[off:].lower()
        for mw in self.multiword:
            if low.startswith(mw) and (len(low) == len(mw) or not low[len(mw)].isalnum()):
                return mw, start + off
        verb = w.group().lower()
        if verb in self.not_inf:
            return None
        return verb, start + off

    def _is_infinitive(self, word: str) -> bool:
        """An infinitive by its ending (``infinitive_ending`` of the language lexicon;
        French ``-er -ir -re -oir``)."""
        w = word.lower()
        return (w not in self.not_inf and not word[:1].isupper()
                and self.infinitive_end_re.search(w) is not None)

    def _list_items(self, struct: DecisionStructure, text: str, pos: int, limit: int, *,
                    own_verbs: bool) -> list[_Item]:
        """Items of the list that the decision structure has right after ``pos``: lettered
        (``a.``, ``b)``, ``(c)``), numbered (``1.``), roman (``i)``) or bulleted (``•``, ``-``).
        Lettered/numbered items start at their marker; bullets at their verb (``paragraph`` None)."""
        items: list[_Item] = []
        prev_end = None
        for nd in struct.list_after(pos):
            if nd.start >= limit:
                break
            if prev_end is not None and not self._gap_ok(text, prev_end, nd.start):
                # a page break inside the previous item (footnotes, running header):
                # the item goes on after the page's furniture, to its own closing
                end = self._across_page_break(struct, text, prev_end, nd.start)
                if end is None:
                    break
                items[-1].end = end
            end = self._node_end(text, nd)
            inf = self._infinitive(text, nd.body) if own_verbs else None
            if nd.kind != "bullet":
                items.append(_Item(nd.start, end, inf[0] if inf else "", nd.label))
            else:
                items.append(_Item(inf[1] if inf else nd.body, end, inf[0] if inf else "", None))
            prev_end = end
        return items

    def _across_page_break(self, struct: DecisionStructure, text: str, end: int, nxt: int) -> int | None:
        """The end of an item cut by a page break: when a page ends (a form feed
        between pages, ``doc.user_data["docmine_page_breaks"]``) or a page's
        furniture starts (running header, page number: a ``furniture`` boundary)
        between the item's first closing punctuation ``end`` (a footnote's, at the
        foot of the page) and the next item ``nxt``, the item runs to the last
        closing punctuation before ``nxt``; else None."""
        doc = getattr(struct, "doc", None)
        if doc is None or nxt - end > 3000:
            return None
        from .boundaries import boundaries
        breaks = doc.user_data.get("docmine_page_breaks") or ()
        if not any(end <= b < nxt for b in breaks) and \
                not any(end <= b.offset < nxt and b.kind == "furniture" for b in boundaries(doc)):
            return None
        last = None
        for m in _CLOSE.finditer(text, end, nxt):
            last = m.end()
        if last is None or text[last:nxt].strip():
            return None
        return last

    def _node_end(self, text: str, nd: Node) -> int:
        """End of an item: the closing punctuation of its last sub-item (or of itself),
        a closing ``]`` of negotiation text included."""
        last = nd
        while last.children:
            last = last.children[-1]
        start = last.body
        end = self._closing(text, start, min(last.end, start + 3000))
        if end is None:
            end = self._trim(text, start, min(last.end, start + 1500))
        return self._bracket_end(text, nd.start, end)

    @staticmethod
    def _bracket_end(text: str, start: int, end: int) -> int:
        """Extend ``end`` over a ``]`` that closes a ``[`` opened inside ``[start, end)``."""
        seg = text[start:end]
        if seg.count("[") > seg.count("]"):
            m = re.match(r" ?\][.;]?", text[end:end + 3])
            if m:
                return end + m.end()
        return end

    @staticmethod
    def _gap_ok(text: str, end: int, nxt: int | None) -> bool:
        if nxt is None:
            return False
        gap = text[end:nxt]
        return len(gap) <= 150 and not re.search(r"[.;!?](?=\s|$)", gap)

    @staticmethod
    def _trim(text: str, start: int, end: int) -> int:
        seg = text[start:end].rstrip()
        seg = re.sub(r"(?:\s(?:et|ou|and|or))+$", "", seg).rstrip(" ,")
        return start + len(seg)

    # ------------------------------------------------------------ actors
    def _actor_end(self, text: str, start: int, limit: int, *, que: bool) -> int:
        """End of the addressee phrase that starts at ``start``."""
        for m in re.finditer(r"[\w’'-]+|[^\w\s]", text[start:limit]):
            tok, a = m.group(), start + m.start()
            if tok in (";", ":", "(", ".", "!", "?"):
                return a
            if tok == ",":
                nxt = self.actor_continuation.match(text, a, a + 20)
                if not nxt:
                    return a
                continue
            low = tok.lower()
            if low in self.actor_stop and a > start:
                return a
            if low in self.markers and self.actor_stop:
                nw = re.match(r"\s*([\w’'-]+)", text[start + m.end():start + m.end() + 30])
                if nw and nw.group(1).lower() in self.actor_stop:
                    return a
            if low in self.markers or re.fullmatch(r"d['’]\w+", low):
                if low.startswith("d") and len(low) > 2:  # d'examiner
                    if self._is_infinitive(low[2:]):
                        return a
                    continue
                nw = re.match(r"\s*\[?\s*([\w’'-]+)", text[start + m.end():start + m.end() + 40])
                if nw and self._is_infinitive(nw.group(1)):
                    return a
                continue
            if que and tok[:1].islower() and (low.endswith("ent") or low.endswith("e")) \
                    and low not in self.not_inf and low not in self.adjectives and a > start:
                prev = text[start:a].rstrip().split(" ")[-1]
                if prev[:1].isupper() or prev.lower() in self.adjectives:
                    return a
        return limit

    @staticmethod
    def _mentions_in(doc: Doc, a: int, b: int, labels: tuple[str, ...]) -> list:
        """Mentions (after resolve) that overlap [a, b) with one of ``labels``, by offset."""
        index = doc.user_data.get("_docmine_actions_index")
        if index is None:
            spans = list(doc.spans["mentions"]) if "mentions" in doc.spans else \
                sorted((s for lab in ("ORG", "REF", "DOC", "MEETING", "DATE") if lab in doc.spans
                        for s in doc.spans[lab]), key=lambda s: s.start_char)
            index = ([s.start_char for s in spans], spans, max((s.end_char - s.start_char for s in spans), default=0))
            doc.user_data["_docmine_actions_index"] = index
        starts, spans, longest = index
        lo = bisect_left(starts, a - longest)
        hi = bisect_left(starts, b)
        return [s for s in spans[lo:hi] if s.end_char > a and s.label_ in labels]

    @staticmethod
    def _treaty(doc: Doc, a: int, b: int) -> str | None:
        """``context.treaty_at`` (mention, then sentence, then document) with the
        sentence bounds computed once per doc (treaty_at walks the doc each call)."""
        found = treaties_in(doc_text(doc)[a:b])
        if found:
            return found[0]
        bounds = doc.user_data.get("_docmine_actions_sents")
        if bounds is None:
            if doc.has_annotation("SENT_START") and len(doc):
                bounds = ([s.start_char for s in doc.sents], [s.end_char for s in doc.sents])
            else:
                bounds = ([], [])
            doc.user_data["_docmine_actions_sents"] = bounds
        starts, ends = bounds
        i = bisect_left(starts, a + 1) - 1
        if i >= 0:
            found = treaties_in(doc_text(doc)[starts[i]:ends[i]])
            if found:
                return Counter(found).most_common(1)[0][0]
        return document_treaty(doc)

    def _actor_id(self, doc: Doc, text: str, a: int, b: int,
                  clause: tuple[int, int] | None = None) -> str | None:
        phrase = text[a:b]
        first = re.split(r",\s|\s(?:et|ainsi que|and)\s", phrase, maxsplit=1)[0]
        fb = a + len(first)
        for rx, ident in self.collective:
            if rx.match(first):
                return ident
        for s in self._mentions_in(doc, a, fb, ("ORG",)):
            # the addressee's own name, after determiners and adjectives only
            # (not ``States Members of the United Nations``, ``efforts by the United Nations``)
            if s._.ids and self._only_determiners(text[a:max(a, s.start_char)]):
                return s._.ids[0]
        m = self.body_re.search(first)
        if m:
            for name, tmpl in self.bodies:
                if name.lower() == m.group(1).lower():
                    if "{treaty}" not in tmpl:
                        return tmpl
                    treaty = self._treaty(doc, a, fb)
                    if treaty is None and clause is not None:
                        treaty = self._treaty_of_ids(doc, *clause)
                    return tmpl.format(treaty=treaty.lower()) if treaty else None
        return None

    def _only_determiners(self, prefix: str) -> bool:
        """``prefix`` (the words before an ORG mention in an addressee) holds only
        articles, determiners and addressee adjectives (``the``, ``les autres``,
        ``all relevant``)."""
        words = [w for w in re.split(r"[\s'’]+", prefix.lower()) if w]
        return all(w in self.determiners or w in self.adjectives for w in words)

    def _treaty_of_ids(self, doc: Doc, a: int, b: int) -> str | None:
        """With no treaty named and none for the document: the treaty that the linked
        mentions of the clause agree on (``cbd-sbi``, ``CBD SBI5``, ``CBD COP Dec 15/4``)."""
        found: list[str] = []
        for s in self._mentions_in(doc, a, b, ("ORG", "MEETING", "REF")):
            for i in s._.ids or []:
                if s.label_ == "ORG":
                    t = i.split("-", 1)[0].upper() if "-" in i else None
                else:
                    t = i.split(" ", 1)[0] if " " in i else None
                if t and t.isalpha() and t.isupper():
                    found.append(t)
        return found[0] if found and len(set(found)) == 1 else None

    # ------------------------------------------------------------ deadlines / refs
    def _past_event(self, text: str, a: int, at: int) -> bool:
        """A participle of a past event (``le cadre adopté par … à sa deuxième session``)
        governs the meeting at ``at``: within 160 characters before it, in the same clause."""
        if self.past_re is None:
            return False
        window = text[max(a, at - 160):at]
        last = None
        for m in self.past_re.finditer(window):
            last = m
        if last is None:
            return False
        between = window[last.end():]
        # "a meeting held before the seventeenth meeting": the participle's event is to come
        if self.future_re is not None and self.future_re.search(between):
            return False
        # the participle governs the first meeting after it, not a later one
        # ("établi par le Comité à sa 25e session, … et la soumet au Comité à sa 28e session")
        if re.search(r"(?:^|\s)(?:à|lors de|avant) (?:sa|la|leur) \S+ (?:réunion|session)", between, re.I):
            return False
        return not re.search(r"[;:]|, (?:de |d['’]|et de |à )", between)

    def _deadline(self, doc: Doc, text: str, a: int, b: int, clause_start: int) -> Deadline | None:
        """The meeting and/or the date by which the item is due (spec §2: both when the
        item gives both, A4); a meeting of a past event is none (A3)."""
        meeting = date = None
        for s in self._mentions_in(doc, a, b, ("MEETING", "DATE")):
            if s.start_char < a or s.end_char > b or not s._.ids:
                continue
            before = text[max(a, s.start_char - 40):s.start_char]
            if not self.cue_re[s.label_].search(before):
                continue
            if s.label_ == "MEETING" and meeting is None and not self._past_event(text, a, s.start_char):
                meeting = s._.ids[0]
            elif s.label_ == "DATE" and date is None:
                date = s._.ids[0]
        if meeting is None:
            for m in self.meeting_fallback_re.finditer(text, a, b):
                if self._past_event(text, a, m.start()):
                    continue
                n = self._ordinal(m.group("ord"))
                meeting = self._meeting_id(doc, text, clause_start, b, m.start(), n, item_start=a) if n else None
                if meeting:
                    break
        if date is None:
            m = self.date_fallback_re.search(text, a, b)
            if m:
                y, mo, d = m.group("year"), m.group("month"), m.group("day")
                if mo:
                    date = f"{y}-{self.months[mo.lower()]:02d}"
                    if d:
                        date += f"-{int(d):02d}"
                else:
                    date = y
        if meeting is None and date is None:
            return None
        return Deadline(meeting=meeting, date=date)

    def _ordinal(self, s: str) -> int | None:
        d = re.match(r"\d+", s)
        if d:
            return int(d.group())
        return self.ordinals.get(s.lower()) or parse_ordinal(s)

    def _meeting_id(self, doc: Doc, text: str, clause_start: int, b: int, at: int, n: int,
                    item_start: int | None = None) -> str | None:
        after = re.compile(r"[^.;,]{0,40}? %s (%s)" % (self.meeting_of, self.meeting_body_re.pattern[1:-1]),
                           re.I).match(text, at, b)
        body_at = None
        if after:
            body, body_at = after.group(1), after.start(1)
        else:
            bodies = [m for m in self.meeting_body_re.finditer(text, clause_start, b) if m.start() < at]
            if bodies:
                body, body_at = bodies[-1].group(1), bodies[-1].start(1)
            else:
                # no body in the clause: in decision text, the deciding body's own meeting
                # ("La Conférence des Parties, … faire rapport … à sa 15e session" → COP15)
                opener = None
                if self.opener_re is not None:
                    for om in self.opener_re.finditer(text, max(0, at - 30000), at):
                        opener = om
                bm = self.meeting_body_re.search(opener.group()) if opener else None
                if bm is None:
                    return None
                body = bm.group(1)
        table = next((v for k, v in self.meeting_bodies.items()
                      if re.fullmatch(k, body, re.I)), None)
        if not table:
            return None
        # the treaty the item itself names, else the document's, else its sentence's: a body
        # named in a sibling item ("avec le Secrétariat de la CMS") does not decide it
        # … but the body's own ORG mention, when it has an id, knows its treaty
        # (``report … to the Standing Committee at its 77th meeting`` in a CITES
        # decision that also names the CMS: ``cites-standing-committee``)
        own = None
        if body_at is not None:
            for sp in self._mentions_in(doc, body_at, body_at + len(body), ("ORG",)):
                if sp._.ids and "-" in sp._.ids[0]:
                    own = sp._.ids[0].split("-", 1)[0].upper()
                    break
        named = treaties_in(text[item_start:b]) if item_start is not None else []
        treaty = own if own in table else (named[0] if named else
                                           (document_treaty(doc) or self._treaty(doc, clause_start, b)))
        tmpl = table.get(treaty or "") or (next(iter(table.values())) if len(table) == 1 else None)
        return tmpl.format(n=n) if tmpl else None

    def _refs(self, doc: Doc, a: int, b: int) -> list[str]:
        out: list[str] = []
        for s in self._mentions_in(doc, a, b, ("REF", "DOC")):
            if s.start_char >= a and s.end_char <= b:
                for i in s._.ids or []:
                    if i not in out:
                        out.append(i)
        return out

    def _make(self, doc, text, it: _Item, actor_a, actor_b, clause_start) -> ActionItem:
        while actor_b > actor_a and text[actor_b - 1] in " ,":
            actor_b -= 1
        return ActionItem(
            start=it.start, end=it.end, text=text[it.start:it.end],
            actor=self._actor_id(doc, text, actor_a, actor_b, (it.start, it.end)),
            actor_text=text[actor_a:actor_b], verb=it.verb, kind="request",
            deadline=self._deadline(doc, text, it.start, it.end, clause_start),
            refs=self._refs(doc, it.start, it.end), paragraph=it.paragraph)

    # ------------------------------------------------------------ the three sources
    def _indicative(self, text: str, pos: int) -> tuple[str, int] | None:
        """The infinitive of the present-indicative verb that opens an item at ``pos``
        (``compile`` → ``compiler``, ``fait rapport`` → ``faire``), an infinitive kept as
        it is (``organiser``), or None; leading phrases such as ``en collaboration avec
        X,`` are skipped. Irregular forms and suffix rules are data (``actions_fr.json``)."""
        while pos < len(text) and text[pos] in " :":
            pos += 1
        rest = text[pos:pos + 300]
        m = self.item_skip.match(rest) if self.item_skip else None
        off = m.end() if m else 0
        low = rest[off:].lower()
        for form, inf in self.ind_multi:
            if low.startswith(form) and (len(low) == len(form) or not low[len(form)].isalnum()):
                return inf, pos + off
        w = re.match(r"[\w’'-]+", low)
        if not w:
            return None
        word = w.group()
        if word in self.not_indicative or word in self.not_inf or not word.isalpha():
            return None
        if self._is_infinitive(word) and word not in self.irregular:
            return word, pos + off
        inf = indicative_infinitive(word, self.irregular, self.suffixes)
        return (inf, pos + off) if inf else None

    def _indicative_clause(self, text: str, node: Node) -> tuple[int, int, str, int] | None:
        """A decision paragraph in the indicative without a list (``18.52 Le Comité
        permanent examine le rapport …``): (actor start, actor end, verb, verb start)."""
        m = re.match(r"(?:%s) ?[A-ZÉÈ][\w’'-]*" % self.article, text[node.body:node.body + 200])
        if not m:
            return None
        a = node.body
        pos = a + m.end()
        for _ in range(8):
            inc = re.match(r",[^.;:,]{1,150},", text[pos:pos + 160])
            if inc:  # "Le Secrétariat, sous réserve des fonds disponibles, compile"
                pos += inc.end()
            w = re.match(r" ([\w’'-]+)", text[pos:pos + 40])
            if not w:
                return None
            word = w.group(1)
            low = word.lower()
            prev = text[max(0, pos - 4):pos].split(" ")[-1].lower()
            after_det = prev in ("le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux",
                                 "sa", "son", "ses", "leur", "leurs", "pour")
            if word[:1].islower() and low not in self.adjectives and low not in self.not_indicative \
                    and low not in ("de", "des", "du", "la", "le", "les", "et", "d", "pour") \
                    and not after_det and self._indicative(text, pos + 1) is not None:
                ind = self._indicative(text, pos + 1)
                if ind is not None and ind[0] in self.modals:
                    # "Le Secrétariat doit organiser un atelier": the infinitive it governs
                    # "The Secretariat shall, in consultation with …, issue": an incise after the modal
                    nxt = re.match(r"\S+?(?:,[^.;:,]{1,150},)? (?:(?:en outre|également|aussi|notamment|,) )*([\w’'-]+)",
                                   text[pos + 1:pos + 80])
                    if nxt and self._is_infinitive(nxt.group(1)):
                        inf = self._infinitive(text, pos + 1 + nxt.start(1))
                        if inf:
                            return a, pos - (inc.end() if inc else 0), inf[0], pos + 1
                    return None
                if ind is None or ind[0] in ("avoir", "être", "pouvoir") or ind[0] in self.modals:
                    return None
                if low not in self.irregular and not any(low.endswith(suf) for suf, _r in self.suffixes):
                    return None
                b = pos - (inc.end() if inc else 0)
                return a, b, ind[0], pos + 1
            pos += w.end()
        return None

    def _in_decision(self, struct: DecisionStructure, text: str, at: int) -> bool:
        """``at`` stands in decision text: an operative paragraph of the structure, or
        right under a CITES ``À l'adresse de …`` heading."""
        node = struct.node_at(at)
        while node is not None and node.kind != "root":
            if node.operative:
                return True
            node = node.parent
        heading = self.lex.get("addressee_headings")
        return bool(heading and re.search(heading, text[max(0, at - 250):at]))

    # ------------------------------------------------------------ the sources
    def find(self, doc: Doc) -> list[ActionItem]:
        text = doc_text(doc)
        n = len(text)
        struct = decision_structure(doc, self.lex)
        struct.doc = doc  # the page's furniture, for items cut by a page break
        found: list[ActionItem] = []
        covered: list[tuple[int, int]] = []

        def add(item: ActionItem):
            if item.end <= item.start or not item.verb:
                return
            if any(item.start < e and s < item.end for s, e in covered):
                return
            covered.append((item.start, item.end))
            found.append(item)

        # 1. Action requise sections: each item's own infinitive
        for sec in self.section_re.finditer(text):
            window_end = min(n, sec.end() + 400)
            inv = self.invited_re.search(text, sec.end(), window_end)
            if not inv or inv.start() - sec.end() > 200:
                continue
            a, b = inv.start("actor"), inv.end("actor")
            items = self._list_items(struct, text, inv.end(), n, own_verbs=True)
            if not items:  # a single request in running text: "est invité à prendre note …"
                inf = self._infinitive(text, inv.end())
                if inf:
                    end = self._closing(text, inf[1], min(n, inf[1] + 2000)) or self._trim(text, inf[1], min(n, inf[1] + 600))
                    items = [_Item(inf[1], end, inf[0], None)]
            for it in items:
                add(self._make(doc, text, it, a, b, inv.start()))

        # 2. passive decisions ("Le Secrétariat est prié de : a) …"): in decision text,
        #    every item (or the clause itself) takes the lead's request verb
        if self.passive_re is not None:
            for pm in self.passive_re.finditer(text):
                a = pm.start("actor")
                if not self._in_decision(struct, text, a):
                    continue
                if not self._clause_start(struct, text, a):
                    continue
                verb = next(v for rx, v in self.passive if rx.fullmatch(pm.group("pv")))
                b = a + len(re.split(r",", pm.group("actor"), maxsplit=1)[0])
                node = struct.node_with_body(a)
                items = self._list_items(struct, text, pm.end(), n, own_verbs=False) if pm.group("colon") else []
                if items:
                    for it in items:
                        it.verb = verb
                        add(self._make(doc, text, it, a, b, a))
                    continue
                hard = node.end if node is not None else n
                end = self._closing(text, pm.end(), min(hard, pm.end() + 3000)) or \
                    self._trim(text, pm.end(), min(hard, pm.end() + 1500))
                end = self._bracket_end(text, a, end)
                para = node.label if node is not None and node.kind != "bullet" else None
                add(self._make(doc, text, _Item(a, end, verb, para), a, b, a))

        # 2b. "Les Parties sont invitées à : a) … b) …" outside decision text: only as a list,
        #     each item's own infinitive (as in an Action requise list)
        for inv in self.invited_re.finditer(text):
            if not text[inv.start():inv.end()].rstrip().endswith(":"):
                continue
            a, b = inv.start("actor"), inv.end("actor")
            cut = list(re.finditer(r"\b(?:que|qu['’])\s?", text[a:b]))
            if cut:
                a += cut[-1].end()
            for it in self._list_items(struct, text, inv.end(), n, own_verbs=True):
                add(self._make(doc, text, it, a, b, inv.start()))

        # 3. mandates written as lists
        for man in self.mandate_re.finditer(text):
            a, b = man.start("actor"), man.end("actor")
            # "Les Parties ont convenu que le Comité permanent s'appliquera": the subject after "que"
            cut = list(re.finditer(r"\b(?:que|qu['’])\s?", text[a:b]))
            if cut:
                a += cut[-1].end()
            items = self._list_items(struct, text, man.end(), n, own_verbs=True)
            for it in items:
                add(self._make(doc, text, it, a, b, man.start()))

        # 4. indicative decisions (CITES "À l'adresse du Secrétariat / 20.AA Le Secrétariat,
        #    sous réserve des fonds disponibles : a) compile … b) fait rapport …"): each
        #    item's own verb, the indicative brought to its infinitive
        if self.indicative_re is not None:
            for node in struct.nodes:
                if node.kind not in ("num", "dec") or not self._in_decision(struct, text, node.body):
                    continue
                im = self.indicative_re.match(text, node.body)
                if im and im.group("pre") is None and text[im.start("actor")].islower():
                    im = None
                if not im:
                    single = self._indicative_clause(text, node)
                    if single is not None:
                        a, b, verb, vstart = single
                        end = self._closing(text, vstart, min(node.end, vstart + 3000)) or \
                            self._trim(text, vstart, min(node.end, vstart + 1500))
                        add(self._make(doc, text, _Item(a, self._bracket_end(text, a, end), verb,
                                                        node.label), a, b, node.body))
                    continue
                a = im.start("actor")
                b = im.end("actor")
                items = self._list_items(struct, text, im.end(), n, own_verbs=False)
                for it in items:
                    ind = self._indicative(text, it.start if it.paragraph is None else
                                           text.find(" ", it.start) + 1)
                    if ind is None or ind[0] in ("avoir", "être", "pouvoir"):
                        continue
                    it.verb = ind[0]
                    add(self._make(doc, text, it, a, b, node.body))

        # 5. operative clauses
        cands = [(op.start("br") if op.group("br") else op.start("verb"), op.start("verb"), op.end(),
                  self.verbs[op.group("verb")], op.group("num"), op.start(), None)
                 for op in self.operative_re.finditer(text)]
        joined = self._joined(struct, text)
        joined_at = sorted(c[0] for c in joined)
        cands += joined
        for start, vs, pos, verb, num, op_start, joined_para in cands:
            node = struct.node_with_body(start) if joined_para is None else None
            if node is not None and node.kind in ("bullet",):
                node = None
            if node is None and joined_para is None:
                if num is None:
                    prev = text[max(0, start - 2):start].rstrip()
                    if prev and prev[-1] not in ".;:,»\"" and start > 0 and not unit_start(doc, start):
                        continue
                else:
                    prev = text[max(0, op_start - 2):op_start].rstrip()
                    # after a running header, a page number or a heading (docmine_boundaries)
                    if prev and prev[-1] not in ".;:,»\")" and not prev[-1].isspace() \
                            and not unit_start(doc, op_start):
                        continue
            que = False
            qm = re.match(r"(?:que |qu['’]|that )", text[pos:pos + 5])  # "Recommends that Parties use"
            if qm:
                que = True
                pos += qm.end()
            pm = self.addressee_prep_re.match(text, pos, pos + 8)
            if pm:
                pos = pm.end()
            hard = n
            sub: list[Node] = []
            if node is not None:
                hard = node.end
                nested = next((c for c in node.children if c.kind == "nested"), None)
                if nested is not None:
                    hard = nested.start
                sub = [c for c in node.items() if c.kind != "num" and c.start < hard]
            limit = min(hard, pos + 300)
            a = pos
            b = self._actor_end(text, a, limit, que=que)
            if b <= a:
                continue
            # the clause: up to its closing punctuation, or its colon and list
            clause_end = self._closing(text, b, min(hard, b + 3000)) or self._trim(text, b, min(hard, b + 1500))
            clause_end = self._bracket_end(text, start, clause_end)
            para = node.label if node is not None else (joined_para or num)
            if node is not None and any(c.kind == "nested" for c in node.children):
                # "Recommande que la Conférence des Parties adopte une décision dans ce sens :":
                # its only task is the draft that follows, whose clauses are the items
                continue
            if sub and sub[0].start < clause_end:
                list_pos = sub[0].start - 1
            else:
                colon = text.find(":", b, clause_end)
                list_pos = colon + 1 if colon != -1 else None
            if list_pos is not None:
                items = self._list_items(struct, text, list_pos, hard, own_verbs=False)
                if items:
                    colon = text.rfind(":", b, items[0].start)
                    lead = text[b:colon if colon != -1 else items[0].start]
                    if self._lead_has_task(lead):
                        lead_stop = colon + 1 if colon != -1 else self._trim(text, b, items[0].start)
                        add(self._make(doc, text, _Item(start, lead_stop, verb, para), a, b, vs))
                    for it in items:
                        it.verb = verb
                        add(self._make(doc, text, it, a, b, vs))
                    continue
            if joined_para is None:
                # "Encourages Parties to …, and requests the Secretariat to …;": the joined
                # request is an item of its own (``_joined``); this one ends before it
                cut = next((j for j in joined_at if b < j < clause_end), None)
                if cut is not None:
                    sep = max(text.rfind(",", b, cut), text.rfind(";", b, cut))
                    conj = re.search(r"\s+(?:and|while|y|e)\s+(?:\w+\s+)?$", text[b:cut])
                    after_sep = text[sep + 1:cut].strip(" ").split(" ")[0] if sep != -1 else ""
                    if after_sep in ("and", "while", "y", "e"):  # ", and requests …"
                        clause_end = sep + 1
                    elif conj is not None:  # "… las directrices y alienta a los donantes …"
                        clause_end = b + conj.start()
            add(self._make(doc, text, _Item(start, clause_end, verb, para), a, b, vs))

        doc.user_data.pop("_docmine_actions_index", None)
        doc.user_data.pop("_docmine_actions_sents", None)
        found.sort(key=lambda x: x.start)
        return found

    def _joined(self, struct: DecisionStructure, text: str) -> list[tuple]:
        """Request verbs joined to a paragraph that opens with another verb
        (``12. Welcomes the work …, and invites the secretariats … to share …;``):
        the item starts at that verb (``joined_operative``), in a numbered
        paragraph whose first word is a verb (``joined_lead``). Candidates in the
        shape of the operative clauses' (start, verb start, verb end, verb,
        number, match start, paragraph)."""
        if self.joined_re is None:
            return []
        out = []
        for jm in self.joined_re.finditer(text):
            vs = jm.start("verb")
            node = struct.node_at(vs)
            while node is not None and node.kind not in ("num", "dec", "root"):
                node = node.parent
            if node is None or node.kind == "root":
                continue
            if self.joined_lead_re is not None and not self.joined_lead_re.match(text, node.body):
                continue
            word = jm.group("verb")
            verb = self.verbs.get(word[:1].upper() + word[1:])
            if verb:
                pos = jm.end()
                while pos < len(text) and text[pos] == " ":  # the addressee starts after the space
                    pos += 1
                out.append((vs, vs, pos, verb, None, vs, node.label))
        return out

    def _lead_has_task(self, lead: str) -> bool:
        """The lead clause of a list states a task of its own: a marker and an
        infinitive (``to support …:``), not only the marker (``to:``) nor a phrase
        such as ``subject to the availability of resources`` (``lead_not_task``)."""
        for m in self.lead_task_re.finditer(lead):
            word = m.group(1)
            if not word or not self._is_infinitive(word):
                continue
            if self.lead_not_task_re is not None and \
                    self.lead_not_task_re.search(lead[max(0, m.start() - 30):m.start() + 1 + len(m.group().split()[0])]):
                continue
            return True
        return False

    @staticmethod
    def _clause_start(struct: DecisionStructure, text: str, a: int) -> bool:
        """``a`` opens a clause: a paragraph's body, the text start, or after ``. ; : ]``."""
        if struct.node_with_body(a) is not None:
            return True
        prev = text[max(0, a - 3):a].rstrip()
        return not prev or prev[-1] in ".;:]"


def indicative_infinitive(word: str, irregular: dict[str, str],
                          suffixes: list[list[str]]) -> str | None:
    """Infinitive of a French present-indicative form (3rd person): the irregular
    table first (``fait`` → ``faire``, ``prennent`` → ``prendre``), then the first
    suffix rule that fits (``compile`` → ``compiler``, ``établissent`` → ``établir``);
    None when no rule fits. Tables: ``indicative_irregular`` / ``indicative_suffixes``
    of ``actions_fr.json``; accuracy in ``benchmarks/bench_indicative.py``."""
    low = word.lower()
    if low in irregular:
        return irregular[low]
    for suf, rep in suffixes:
        if low.endswith(suf) and len(low) > len(suf) + 1:
            return low[: -len(suf)] + rep
    return None


def load_patterns(patterns_path: str | Path | None) -> dict:
    """``actions.json`` (language-neutral tables) with each language lexicon
    ``actions_<lang>.json`` beside it under ``"languages"`` (``{"fr": {…}}``)."""
    base = Path(patterns_path) if patterns_path else DEFAULT_PATTERNS
    p = base / "actions.json"
    if not p.exists():
        p = DEFAULT_PATTERNS / "actions.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    langs: dict[str, dict] = {}
    for folder in (DEFAULT_PATTERNS, base):
        for f in sorted(folder.glob("actions_*.json")):
            langs[f.stem.split("_", 1)[1]] = json.loads(f.read_text(encoding="utf-8"))
    data["languages"] = langs
    return data


def lexicon_for(patterns: dict, language: str) -> dict:
    """The tables for one language: ``actions.json``'s with the language lexicon
    (``patterns["languages"][language]``, from ``actions_<lang>.json``) added —
    dicts merged (the language's entries first), lists extended, other values
    replaced; the keys the lexicon names in ``_replace`` replace the neutral ones
    whole. An unknown language gives the neutral tables alone."""
    base = {k: v for k, v in patterns.items() if k != "languages"}
    lex = (patterns.get("languages") or {}).get(language) or {}
    merged = dict(base)
    replace = set(lex.get("_replace", []))
    for k, v in lex.items():
        if k.startswith("_"):
            continue
        if k in replace:
            merged[k] = v
        elif isinstance(v, dict) and isinstance(base.get(k), dict):
            merged[k] = {**v, **{bk: bv for bk, bv in base[k].items() if bk not in v}}
        elif isinstance(v, list) and isinstance(base.get(k), list):
            merged[k] = list(v) + [x for x in base[k] if x not in v]
        else:
            merged[k] = v
    return merged


class ActionsComponent:
    """Runs the :class:`ActionFinder` of the pipeline's language (``nlp.lang``:
    the French pipeline reads French, the English one English…; a language
    without ``actions_<lang>.json`` gets the neutral tables), built on first use."""

    def __init__(self, finder: ActionFinder | None = None, patterns: dict | None = None,
                 language: str = "fr"):
        self.patterns = patterns if patterns is not None else (finder.p if finder else {})
        self.language = language
        self.finders: dict[str, ActionFinder] = {finder.language: finder} if finder else {}

    @property
    def finder(self) -> ActionFinder:
        return self.finder_for(self.language)

    def finder_for(self, language: str | None) -> ActionFinder:
        lang = language or self.language
        f = self.finders.get(lang)
        if f is None:
            from docmine.extraction.regex_cache import lazy_regex_cache
            with lazy_regex_cache():  # its patterns compiled once per data folder, not per process
                f = self.finders[lang] = ActionFinder(self.patterns, lang)
        return f

    def __call__(self, doc: Doc) -> Doc:
        try:
            doc._.action_items = self.finder.find(doc)
        except RecursionError:  # pragma: no cover - defensive on pathological text
            doc._.action_items = []
        return doc


@Language.factory("docmine_actions", default_config={"patterns_path": None, "kb_path": None})
def make_actions(nlp, name, patterns_path=None, kb_path=None):
    patterns = load_patterns(patterns_path)
    return ActionsComponent(patterns=patterns, language=nlp.lang)
