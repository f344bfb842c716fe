"""Extraction: from text to mentions and action items (the spaCy pipeline).

Holds the pipeline builder and loader (:mod:`.nlp`, config in
``models/docmine.cfg``), its components (:mod:`.components`: tokenizer,
context, symbols, refs, meetings, dates, orgs, org_ner, resolve, actions),
the pure grammars they use (:mod:`.grammars`: dates, ordinals, UN document
symbols), the organisation knowledge base (:mod:`.kb`), treaty context
(:mod:`.treaty`), the ``extract`` verb (:mod:`.extract`) and the evaluation
against gold files (:mod:`.evaluate`).

May import: :mod:`docmine.reading` (PDF text, language, the text map) and
the base modules :mod:`docmine.settings` / :mod:`docmine.records`. Nothing
above it (store, the verbs, cli, web).
"""
