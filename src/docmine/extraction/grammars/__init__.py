"""Pure, table-tested grammars used by the extraction components: French dates
(:mod:`.dates`), ordinals in words and figures (:mod:`.ordinals`) and UN
document symbols (:mod:`.symbols`). No spaCy objects: plain strings in,
plain values out."""
