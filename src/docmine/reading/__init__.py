"""Reading: from bytes to stored page text.

Holds the PDF reader (:mod:`.read`, with its backends :mod:`.pdf_pdfium` and
:mod:`.pdf_plumber` and their shared error type in :mod:`.errors`), page
layout (header/footer/footnote/body blocks, :mod:`.layout`), language
detection (:mod:`.language`), page-1 metadata (symbol, treaty, date, title:
:mod:`.pagemeta`), the normalised-text offset map (:mod:`.textmap`), and the
sources a run reads from: folders and HTTP index pages (:mod:`.sources`,
:mod:`.fetch`).

May import: the standard library, third-party readers, and the base modules
:mod:`docmine.settings` and :mod:`docmine.records`. Nothing above it
(extraction, store, the verbs, cli, web).
"""
