"""What every meeting paper shares: fonts, styles, the page furniture (marking top and bottom,
running header, "Generated on … for …", "Page X of Y"), escaping typed text for ReportLab's
Paragraph markup, and turning long free text into flowables that can split across pages."""

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import cache, partial
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from marac.services.pdf.papers import PaperHeader
from marac.services.text import plural
from models.clock import UK

CONFIDENTIALITY_STATEMENT = (
    "The information in this document is shared for the purpose of the MARAC only: to reduce the "
    "risk of serious harm to the people named in it. Store it securely and do not leave it where "
    "others can see it. Do not share it further without the agreement of the agency that provided "
    "it. Do not disclose it to the victim or to the perpetrator."
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 27 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

BLACK = colors.HexColor("#0b0c0c")
GREY_TEXT = colors.HexColor("#505a5f")
BORDER = colors.HexColor("#b1b4b6")
SHADE = colors.HexColor("#f3f2f1")
HEAD_SHADE = colors.HexColor("#dee0e2")
RED = colors.HexColor("#d4351c")

# Free text is cut into paragraphs of at most this many characters (at a line break, a sentence
# end or a space), so no single flowable grows taller than a page.
CHUNK_CHARS = 800

# Short values (names, agencies, references, statuses, titles) are cut at this many characters.
SHORT_CHARS = 500

# DejaVu Sans, shipped with the app (the npm package dejavu-fonts-ttf, copied here by `make
# assets`), whatever the server has installed: it has the letters victims' names carry (Ł, ś, ğ,
# ễ, Cyrillic, Greek). Helvetica's encoding has none of them.
FONT_FOLDER = Path(__file__).parent / "fonts"
FONT_FILES = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique")
FONT_NAMES = ("PaperSans", "PaperSans-Bold", "PaperSans-Italic", "PaperSans-BoldItalic")


@cache
def fonts() -> tuple[str, str, str, str]:
    """(regular, bold, italic, bold italic) font names, registered with ReportLab once."""
    paths = [FONT_FOLDER / f"{stem}.ttf" for stem in FONT_FILES]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise RuntimeError(f"The papers' fonts are missing from {FONT_FOLDER} ({', '.join(missing)}): run make assets")
    for name, path in zip(FONT_NAMES, paths, strict=True):
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        "PaperSans", normal=FONT_NAMES[0], bold=FONT_NAMES[1], italic=FONT_NAMES[2], boldItalic=FONT_NAMES[3]
    )
    return FONT_NAMES


class _Drawable(dict):
    """A str.translate table: a character every one of the papers' fonts can draw stays as it is;
    any other becomes "?", so a reader sees that something is missing (a font draws a character it
    lacks as an empty box, which reads as nothing at all)."""

    def __init__(self, codes):
        super().__init__({ord("\n"): "\n"})
        self.codes = codes

    def __missing__(self, code):
        self[code] = chr(code) if code in self.codes else "?"
        return self[code]


@cache
def _drawable() -> _Drawable:
    maps = [set(pdfmetrics.getFont(name).face.charToGlyph) for name in fonts()]
    return _Drawable(frozenset(set.intersection(*maps)))


@cache
def styles() -> dict[str, ParagraphStyle]:
    regular, bold, italic, _ = fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13, textColor=BLACK, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11, spaceAfter=0)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=bold, fontSize=20, leading=24, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=bold, fontSize=14, leading=18, spaceBefore=12, spaceAfter=6, keepWithNext=1
        ),
        "h2_free": ParagraphStyle(
            "h2_free", parent=body, fontName=bold, fontSize=14, leading=18, spaceBefore=12, spaceAfter=6
        ),
        "h3": ParagraphStyle(
            "h3", parent=body, fontName=bold, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4, keepWithNext=1
        ),
        "h4": ParagraphStyle(
            "h4", parent=body, fontName=bold, fontSize=9.5, leading=13, spaceBefore=6, spaceAfter=2, keepWithNext=1
        ),
        "lead": ParagraphStyle("lead", parent=body, fontSize=11, leading=15, spaceAfter=2),
        "body": body,
        "body_tight": ParagraphStyle("body_tight", parent=body, spaceAfter=0),
        "meta": ParagraphStyle("meta", parent=body, textColor=GREY_TEXT, fontSize=8.5, leading=11.5),
        "empty": ParagraphStyle("empty", parent=body, fontName=italic, textColor=GREY_TEXT),
        "notice": ParagraphStyle("notice", parent=body, fontSize=9, leading=12.5, spaceAfter=0),
        "draft": ParagraphStyle(
            "draft", parent=body, fontName=bold, fontSize=16, leading=20, textColor=RED, alignment=TA_CENTER
        ),
        "approved": ParagraphStyle("approved", parent=body, fontName=bold, fontSize=10.5, leading=14),
        "cell": cell,
        "cell_bold": ParagraphStyle("cell_bold", parent=cell, fontName=bold),
        "cell_head": ParagraphStyle("cell_head", parent=cell, fontName=bold),
        "cell_empty": ParagraphStyle("cell_empty", parent=cell, fontName=italic, textColor=GREY_TEXT),
        "cell_opinion": ParagraphStyle("cell_opinion", parent=cell, fontName=italic),
    }


# -- Text ---------------------------------------------------------------------------------------


class Text(Paragraph):
    """A Paragraph that breaks its lines once for a width. A table wraps every cell to measure
    it, again to fit it on the page and again to draw it: each time the same lines, a quarter of
    the case list's time. The lines depend on the width alone, never on the height offered."""

    def wrap(self, availWidth, availHeight):  # noqa: N803 - ReportLab's names
        # The lines kept must be the ones made for this width (a split copies attributes).
        width, lines = getattr(self, "_wrapped", (None, None))
        if width == availWidth and lines is not None and lines is self.__dict__.get("blPara"):
            return self.width, self.height
        before = self.__dict__.get("blPara")
        size = super().wrap(availWidth, availHeight)
        made = self.__dict__.get("blPara")
        # Where nothing fits (a width near zero) ReportLab makes no lines: keep none then.
        self._wrapped = (availWidth, made) if made is not before else (None, None)
        return size


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean(value: object) -> str:
    """Typed text as the papers print it: composed (NFC: "e" and a combining accent become "é",
    which the font has), Windows/Mac line ends normalised, control characters removed, and a
    character the fonts cannot draw shown as "?"."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = _CONTROL.sub("", text)
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text).translate(_drawable())


def inline(value: object, limit: int | None = SHORT_CHARS) -> str:
    """One value as Paragraph markup that prints exactly as typed: escaped, line breaks kept. A
    value longer than `limit` (a name, agency or title no one could mean) is cut with an ellipsis,
    so it cannot make a table's heading row taller than a page; free text goes through
    text_flowables instead, which keeps every word."""
    text = clean(value).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text).replace("\n", "<br/>")


def badge(text: str) -> str:
    """Markup for a short label printed white on black (REPEAT, DRAFT), legible in greyscale."""
    return f"<font backColor='#0b0c0c' color='#ffffff'><b>&nbsp;{escape(text)}&nbsp;</b></font>"


def para(value: object, style: str = "cell") -> Paragraph:
    """A Paragraph of one typed value (escaped)."""
    return Text(inline(value), styles()[style])


def markup(text: str, style: str = "body") -> Paragraph:
    """A Paragraph of markup we wrote ourselves. Every typed value in it must come from inline()."""
    return Text(text, styles()[style])


def _chunks(line: str, limit: int) -> Iterable[str]:
    """Cut one long line at sentence ends or spaces into pieces of at most `limit` characters."""
    while len(line) > limit:
        window = line[:limit]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
        cut = cut + 1 if cut > limit // 2 else window.rfind(" ")
        if cut <= limit // 4:
            cut = limit
        yield line[:cut].strip()
        line = line[cut:].strip()
    if line:
        yield line


def text_flowables(value: object, style: str = "body", empty: str = "None recorded.", limit: int = CHUNK_CHARS):
    """Free text as a list of Paragraphs: a blank line starts a paragraph, a single line break is kept
    as a break, and nothing is longer than `limit` characters (so nothing is taller than a page)."""
    text = clean(value).strip()
    if not text:
        empty_style = "cell_empty" if style.startswith("cell") else "empty"
        return [Text(escape(empty), styles()[empty_style])]
    flowables = []
    for block in re.split(r"\n\s*\n", text):
        pieces, current = [], ""
        for line in block.split("\n"):
            for piece in _chunks(line.strip(), limit):
                if current and len(current) + len(piece) + 1 > limit:
                    pieces.append(current)
                    current = ""
                current = f"{current}\n{piece}" if current else piece
        if current:
            pieces.append(current)
        # The pieces of one block sit close together, so a cut reads as a line break.
        tight = styles().get(f"{style}_tight", styles()[style])
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            flowables.append(Text(inline(piece, limit=None), styles()[style] if last else tight))
    return flowables


# -- Dates and durations --------------------------------------------------------------------------


def govuk_date(value: date | None, missing: str = "Not known") -> str:
    """3 December 2026."""
    return missing if value is None else f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime) -> str:
    """22 November 2026 at 7:40pm, in UK time (a naive datetime is taken to be UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(UK)
    hour = local.hour % 12 or 12
    return f"{govuk_date(local.date())} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def duration(minutes: int) -> str:
    """45 minutes, 1 hour, 2 hours 10 minutes."""
    hours, rest = divmod(max(int(minutes), 0), 60)
    parts = []
    if hours:
        parts.append(plural(hours, "hour"))
    if rest or not hours:
        parts.append(plural(rest, "minute"))
    return " ".join(parts)


# -- Tables ---------------------------------------------------------------------------------------


def grid_style(header_rows: int = 1) -> list[tuple]:
    return [
        ("GRID", (0, 0), (-1, -1), 0.5, BORDER),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        *([("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_SHADE)] if header_rows else []),
    ]


def table(rows: list[list], widths_mm: Sequence[float], header_rows: int = 1, extra: Sequence[tuple] = ()) -> Table:
    """A full-width table whose header rows repeat on each page and whose rows may split across
    pages (so one very long cell does not raise LayoutError)."""
    scale = CONTENT_WIDTH / (sum(widths_mm) * mm)
    widths = [w * mm * scale for w in widths_mm]
    result = Table(rows, colWidths=widths, repeatRows=header_rows, splitInRow=1, hAlign="LEFT")
    result.setStyle(TableStyle([*grid_style(header_rows), *extra]))
    return result


def boxed(flowables: list[Flowable], background=SHADE, border=BORDER, width: float = 0.75) -> Table:
    """Flowables inside a shaded, bordered box across the page."""
    result = Table([[flowables]], colWidths=[CONTENT_WIDTH], hAlign="LEFT", splitInRow=1)
    result.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), width, border),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                *([("BACKGROUND", (0, 0), (-1, -1), background)] if background is not None else []),
            ]
        )
    )
    return result


# -- The opening of every paper -------------------------------------------------------------------


def opening(header: PaperHeader, heading: str, notices: Sequence[Flowable] = ()) -> list[Flowable]:
    """Title, area, meeting, who it was generated for, then any notices (draft, approval) and the
    confidentiality statement."""
    story: list[Flowable] = [
        markup(inline(heading), "title"),
        markup(f"<b>{inline(header.area_name)}</b>", "lead"),
        markup(inline(header.meeting_title), "lead"),
        Spacer(1, 2),
        markup(
            f"Generated on {inline(govuk_datetime(header.generated_at))} for {inline(header.generated_for)}", "meta"
        ),
        Spacer(1, 6),
        *notices,
        boxed(
            [
                markup(f"<b>Confidential: {inline(header.marking)}</b>", "notice"),
                Spacer(1, 2),
                markup(inline(CONFIDENTIALITY_STATEMENT, limit=None), "notice"),
            ]
        ),
        Spacer(1, 10),
    ]
    return story


# -- Page furniture and the two-pass "Page X of Y" canvas ----------------------------------------


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Text cut with an ellipsis to fit a width (the running header and footer are one line)."""
    text = " ".join(clean(text)[:2000].split())
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _decorate(pdf: canvas.Canvas, page: int, pages: int, *, header: PaperHeader, running: str, draft: bool) -> None:
    regular, bold, _, _ = fonts()
    marking = clean(header.marking).strip() or "OFFICIAL-SENSITIVE"
    left, right = MARGIN_X, PAGE_WIDTH - MARGIN_X
    pdf.saveState()

    # Top: the marking, then a running header with the paper, area and meeting.
    pdf.setFillColor(BLACK)
    pdf.setFont(bold, 10.5)
    pdf.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 11 * mm, _fit(marking, bold, 10.5, CONTENT_WIDTH / 2))
    if draft:
        pdf.setFillColor(RED)
        pdf.setFont(bold, 9)
        pdf.drawRightString(right, PAGE_HEIGHT - 11 * mm, "DRAFT – not yet approved")
    pdf.setFillColor(GREY_TEXT)
    pdf.setFont(regular, 7.5)
    pdf.drawString(
        left, PAGE_HEIGHT - 17 * mm, _fit(f"{running} · {header.area_name}", regular, 7.5, CONTENT_WIDTH * 0.48)
    )
    pdf.drawRightString(right, PAGE_HEIGHT - 17 * mm, _fit(header.meeting_title, regular, 7.5, CONTENT_WIDTH * 0.5))
    pdf.setStrokeColor(BORDER)
    pdf.setLineWidth(0.5)
    pdf.line(left, PAGE_HEIGHT - 19 * mm, right, PAGE_HEIGHT - 19 * mm)

    # Bottom: who and when, the page number, then the marking.
    pdf.line(left, 22 * mm, right, 22 * mm)
    generated = f"Generated on {govuk_datetime(header.generated_at)} for {header.generated_for}"
    pdf.drawString(left, 17.5 * mm, _fit(generated, regular, 7.5, CONTENT_WIDTH - 30 * mm))
    pdf.setFillColor(BLACK)
    pdf.setFont(regular, 8.5)
    pdf.drawRightString(right, 17.5 * mm, f"Page {page} of {pages}")
    pdf.setFont(bold, 10.5)
    pdf.drawCentredString(PAGE_WIDTH / 2, 9 * mm, _fit(marking, bold, 10.5, CONTENT_WIDTH / 2))
    pdf.restoreState()


class PaperCanvas(canvas.Canvas):
    """Keeps every page until the end, so each can say "Page X of Y" (ReportLab's NumberedCanvas
    recipe), and draws the page furniture on each."""

    def __init__(self, *args, decorate, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._decorate_page = decorate

    def showPage(self):  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate_page(self, number, total)
            super().showPage()
        super().save()


def render(header: PaperHeader, paper: str, story: list[Flowable], *, running: str, draft: bool = False) -> bytes:
    """The story as an A4 PDF with the page furniture. `paper` names the kind of paper ("MARAC case
    list"): it is the PDF's title, so it must carry no personal data. `running` starts the running
    header at the top of each page ("Case list")."""
    fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=paper,
        author="MARAC",
        subject=paper,
        creator="MARAC",
        lang="en-GB",
    )
    # No frame padding, so full-width tables line up with the running header's rules.
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM, 0, 0, 0, 0)
    doc.addPageTemplates([PageTemplate(id="paper", frames=[frame])])
    decorate = partial(_decorate, header=header, running=running, draft=draft)
    doc.build(story, canvasmaker=partial(PaperCanvas, decorate=decorate))
    return buffer.getvalue()
