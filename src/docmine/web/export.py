"""Streamed CSV and JSON exports of a whole filtered result.

Rows are fetched in chunks (``limit``/``offset`` on the query function, each
chunk its own bound-parameter query) inside one session opened for the
stream, and written out as they come: the response is never built in memory.
The values are the CLI's: JSON keeps lists as lists; CSV joins them with
``"; "`` and writes missing values as empty cells (``docmine … --format csv``).
"""
from __future__ import annotations

import csv
import io
import json
import math
from typing import Any, Callable, Iterable, Iterator

from fastapi.responses import StreamingResponse

from docmine.records import csv_value, json_value

CHUNK = 5000


#: a JSON-able value (dates as ISO 8601): the CLI's rules (:func:`docmine.records.json_value`)
plain = json_value


def frame_records(df) -> list[dict[str, Any]]:
    """A DataFrame's rows as plain dicts (Python scalars, ``None`` for missing;
    the values :func:`plain` gives), converted column by column."""
    import pandas as pd

    cols = list(df.columns)
    if not len(df):
        return []
    values = []
    for c in cols:
        col = df[c]
        if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_integer_dtype(col.dtype) \
                or pd.api.types.is_float_dtype(col.dtype):
            obj = col.astype(object)
            values.append([None if (v is pd.NA or (isinstance(v, float) and math.isnan(v)))
                           else v for v in obj.tolist()])
        else:
            values.append([v if v is None or type(v) is str else plain(v)
                           for v in col.tolist()])
    return [dict(zip(cols, row)) for row in zip(*values)]


def chunks(fetch: Callable[[int, int], list[dict]], chunk: int = CHUNK) -> Iterator[list[dict]]:
    """Chunks of rows from ``fetch(limit, offset)`` until one comes back short."""
    offset = 0
    while True:
        rows = fetch(chunk, offset)
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        offset += chunk


def csv_lines(columns: list[str], row_chunks: Iterable[list[dict]]) -> Iterator[str]:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    yield buf.getvalue()
    for rows in row_chunks:
        buf.seek(0)
        buf.truncate()
        for r in rows:
            w.writerow({k: csv_value(v) for k, v in r.items()})
        yield buf.getvalue()


def json_lines(row_chunks: Iterable[list[dict]]) -> Iterator[str]:
    yield "["
    first = True
    for rows in row_chunks:
        parts = []
        for r in rows:
            parts.append(("\n" if first else ",\n") + json.dumps(r, ensure_ascii=False))
            first = False
        yield "".join(parts)
    yield "\n]\n"


def stream(fmt: str, columns: list[str], row_chunks: Iterable[list[dict]], *,
           filename: str, on_close: Callable[[], None] | None = None) -> StreamingResponse:
    """A streamed CSV (``fmt="csv"``, as an attachment) or JSON array response."""
    def gen(lines):
        try:
            yield from lines
        finally:
            if on_close:
                on_close()
    if fmt == "csv":
        return StreamingResponse(
            gen(csv_lines(columns, row_chunks)), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
    return StreamingResponse(gen(json_lines(row_chunks)),
                             media_type="application/json; charset=utf-8")
