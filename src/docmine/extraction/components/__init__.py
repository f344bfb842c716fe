"""docmine's spaCy components; importing this package registers their factories.

Each component writes its mentions to ``doc.spans[LABEL]`` with ``span._.ids``
(list of canonical ids) and ``span._.attrs`` (dict); ``docmine_resolve`` merges
them into ``doc.spans["mentions"]``; ``docmine_actions`` sets
``doc._.action_items``; ``docmine_boundaries`` gives every component the
page's structure (hard sentence starts, ``doc._.boundaries``). All offsets are into ``doc.text`` (normalised text).
"""
from . import tokenizer, boundaries, context, symbols, refs, meetings, dates, orgs, org_ner, resolve, actions  # noqa: F401
