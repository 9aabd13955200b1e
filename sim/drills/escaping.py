"""Text that is safe where the drill exports are opened: spreadsheets, Markdown and HTML.

* CSV cells (:func:`safe_cell`, :func:`csv_text`): a spreadsheet runs a cell that begins with
  ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) as a formula, so such a cell gets a
  leading ``'`` (OWASP's advice on CSV injection). This applies to *every* cell that is not a
  plain number: numbers such as ``-5`` or ``-0.5`` are left alone (they cannot hold a
  formula), and so is a lone ``-``, the placeholder for a missing value.
* Markdown (:func:`md_text`, :func:`md_cell`): ``&``, ``<`` and ``>`` become entities, so text
  from an input file never turns into live HTML when the Markdown is rendered; in a table cell
  ``|`` is escaped and line breaks become spaces, so a value cannot break the table.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_STARTS", "csv_text", "md_cell", "md_text", "safe_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def safe_cell(value: object) -> str:
    """The text of a CSV cell, with a leading ``'`` when a spreadsheet would read it as a
    formula (see the module notes); ``None`` is an empty cell."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and text != "-" and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(
    header: Sequence[object], rows: Iterable[Sequence[object]], *, line_end: str = "\n", bom: bool = False
) -> str:
    """A CSV table, every cell passed through :func:`safe_cell`; ``bom`` puts a UTF-8 byte
    order mark first (so Excel reads the file as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" if bom else "") + buffer.getvalue()


def md_text(value: object) -> str:
    """Text for Markdown with ``&``, ``<`` and ``>`` escaped."""
    return html.escape(str(value), quote=False)


def md_cell(value: object) -> str:
    """Text for a Markdown table cell: :func:`md_text`, ``|`` escaped, line breaks as spaces."""
    return _LINE_BREAKS.sub(" ", md_text(value).replace("|", "\\|"))
