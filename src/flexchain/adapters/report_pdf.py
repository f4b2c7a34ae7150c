"""A one-page report as a PDF (ReportLab platypus, A4) and as plain text, both laid out from one
:class:`ReportLayout`: a title, a subtitle, and sections that are small tables (a heading, the
column names, rows of strings, and what to say when a section is empty). The weekly report is
one (services/report_mail.py builds its layout).

The fonts are those of the RFQ and PO documents (:mod:`flexchain.adapters.documents`):
Helvetica, or the TrueType file of ``FLEXCHAIN_DOCUMENT_FONT``. The PDF is deterministic (the
same layout gives the same bytes).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from flexchain.adapters.documents import _fonts, _Styles
from flexchain.domain.errors import ValidationError

__all__ = ["ReportLayout", "Section", "render_pdf", "render_text"]

_WIDTH = A4[0] - 32 * mm


@dataclass(frozen=True)
class Section:
    """A table of the report: ``rows`` of strings under ``columns``; ``empty`` is shown when
    there are no rows; ``widths`` are shares of the page width (default equal); ``right`` the
    columns set right-aligned (figures); ``note`` a line under the table."""

    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "Nothing."
    widths: tuple[float, ...] = ()
    right: frozenset[int] = field(default_factory=frozenset)
    note: str = ""


@dataclass(frozen=True)
class ReportLayout:
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    author: str = "flexchain"


def _check_font(layout: ReportLayout) -> None:
    """Helvetica draws Windows-1252 only: refuse (naming the text) what it cannot draw."""
    texts = [layout.title, layout.subtitle]
    for section in layout.sections:
        texts += [section.heading, section.empty, section.note, *section.columns]
        texts += [cell for row in section.rows for cell in row]
    for text in texts:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            raise ValidationError(
                "document_font",
                f"{text!r} has letters the PDF's built-in font (Helvetica) cannot draw: set "
                "FLEXCHAIN_DOCUMENT_FONT to a TrueType font that has them, e.g. "
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            ) from None


def _table(section: Section, s: _Styles) -> Flowable:
    count = len(section.columns)
    shares = section.widths or (1.0,) * count
    total = sum(shares)
    widths = [_WIDTH * share / total for share in shares]
    head = [
        s.para(name, 7.5, bold=True, align=2 if i in section.right else 0)
        for i, name in enumerate(section.columns)
    ]
    rows: list[list[Any]] = [head]
    for row in section.rows:
        rows.append(
            [s.para(cell, 7.5, align=2 if i in section.right else 0) for i, cell in enumerate(row)]
        )
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _section(section: Section, s: _Styles) -> Flowable:
    parts: list[Flowable] = [Spacer(1, 4 * mm), s.para(section.heading, 11, bold=True)]
    parts.append(Spacer(1, 1.5 * mm))
    parts.append(_table(section, s) if section.rows else s.para(section.empty, 9))
    if section.note:
        parts += [Spacer(1, 1 * mm), s.para(section.note, 8)]
    return KeepTogether(parts)


def render_pdf(
    layout: ReportLayout, *, font_path: str | Path | None = None, compress: bool = True
) -> bytes:
    """The report as an A4 PDF (``compress=False``: readable page streams, for tests)."""
    if not font_path:
        _check_font(layout)
    styles = _Styles(*_fonts(font_path))
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=layout.title,
        author=layout.author,
        subject=layout.subtitle,
        creator="flexchain",
        invariant=1,
        pageCompression=1 if compress else 0,
    )
    story: list[Flowable] = [
        styles.para(layout.title, 15, bold=True),
        Spacer(1, 1 * mm),
        styles.para(layout.subtitle, 9),
    ]
    story += [_section(section, styles) for section in layout.sections]
    pdf.build(story)
    return buffer.getvalue()


def _text_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]
) -> str:
    """Columns padded to their widest cell (at most 40; the last column is never cut)."""
    last = len(columns) - 1
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    widths = [w if i == last else min(w, 40) for i, w in enumerate(widths)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            if i != last and len(cell) > widths[i]:
                cell = textwrap.shorten(cell, widths[i], placeholder="…")
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in rows)])


def render_text(layout: ReportLayout) -> str:
    """The report as plain text (the e-mail's body): the same sections as the PDF."""
    parts = [layout.title, layout.subtitle]
    for section in layout.sections:
        parts.append("")
        parts.append(section.heading)
        parts.append("=" * len(section.heading))
        if section.rows:
            parts.append(_text_table(section.columns, section.rows, section.right))
        else:
            parts.append(section.empty)
        if section.note:
            parts.append(section.note)
    return "\n".join(parts) + "\n"
