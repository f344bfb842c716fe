"""``docmine.reading.textmap.normalise``: whitespace runs collapsed to one
space, line-end hyphens, soft hyphens and footnote calls left out, and every
normalised character mapped back to the original. The run-by-run version is
checked against the definition, one character at a time."""
from __future__ import annotations

import random
from array import array

import pytest

from docmine.reading.textmap import _WS, _drops, normalise


def reference(original: str) -> tuple[str, list[int]]:
    """The definition, one character at a time: a character in a dropped
    stretch is left out; a whitespace character starts one space unless the
    last kept character was whitespace too."""
    drops = _drops(original)
    out, offsets, in_ws = [], [], False
    for i, c in enumerate(original):
        if any(s <= i < e for s, e in drops):
            continue
        if _WS.fullmatch(c):
            if not in_ws:
                out.append(" ")
                offsets.append(i)
            in_ws = True
            continue
        in_ws = False
        out.append(c)
        offsets.append(i)
    return "".join(out), offsets + [len(original)]


CASES = [
    ("Kunming-\nMontreal", "Kunming-Montreal"),
    ("conser-\nvation des espèces", "conservation des espèces"),
    ("Résolution 14.3\u00b9 et", "Résolution 14.3 et"),
    ("  début\t\tet\n\nfin ", " début et fin "),
    ("mot \u00ad\n suite", "mot suite"),
    ("la Con-\n  férence", "la Conférence"),
    ("2012-\n2015", "2012-\n2015".replace("\n", " ")),
    ("", ""),
]


@pytest.mark.parametrize("original,expected", CASES)
def test_normalise_table(original, expected):
    got = normalise(original)
    assert got.text == expected
    assert (got.text, list(got.offsets)) == reference(original)


def test_normalise_equals_the_definition_on_random_texts():
    alphabet = list("abcXYé9.- \n\t\r\u00a0\u00ad\ufffe\u00b9\u2075")
    rng = random.Random(7)
    tried_drops = 0
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        tried_drops += bool(_drops(text))
        got = normalise(text)
        assert isinstance(got.offsets, array)
        assert (got.text, list(got.offsets)) == reference(text), repr(text)
    assert tried_drops > 1000  # the path with stretches to leave out was exercised
