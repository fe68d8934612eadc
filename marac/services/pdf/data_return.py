"""The quarterly MARAC data return as a paper: figures per meeting, the quarter, the benchmarks."""

from collections.abc import Sequence

from marac.services.pdf.layout import inline, markup, opening, para, render, table
from marac.services.pdf.papers import PaperHeader

PAPER = "MARAC quarterly data return"


def data_return_pdf(
    header: PaperHeader,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    benchmarks: Sequence[Sequence],
    by_agency: Sequence[Sequence],
    note: str | None = None,
    claimed: Sequence[str] = (),
) -> bytes:
    """`columns` heads the figures table; each row is [label, value per column...]. Values are
    printed as given (small numbers already hidden where the reader needs it, and `note` says
    how). `claimed`: the references of the repeats claimed, not found on record, for checking."""
    story = opening(header, "Quarterly MARAC data return")
    if note:
        story.append(markup(inline(note), "body"))
    story.append(markup("Figures per meeting and for the quarter", "h2"))
    head = [para("Figure", "cell_head"), *(para(column, "cell_head") for column in columns)]
    body = [[para(row[0]), *(para(value) for value in row[1:])] for row in rows]
    label_width = 60
    story.append(table([head, *body], [label_width, *([max(18, 120 // max(len(columns), 1))] * len(columns))]))
    story.append(markup("Repeats claimed, not found on record", "h2"))
    story.append(
        markup(
            "Not counted as repeats: the referrers say they are, but no earlier referral is on record. "
            + (", ".join(f"Referral {inline(reference)}" for reference in claimed) if claimed else "None."),
            "body",
        )
    )
    story.append(markup("Benchmarks", "h2"))
    story.append(
        table(
            [
                [para(cell, "cell_head") for cell in ("Measure", "This area", "Benchmark")],
                *([para(cell) for cell in row] for row in benchmarks),
            ],
            [80, 40, 40],
        )
    )
    story.append(markup("Cases by referring agency", "h2"))
    if by_agency:
        story.append(
            table(
                [
                    [para("Agency", "cell_head"), para("Cases", "cell_head")],
                    *([para(name), para(count)] for name, count in by_agency),
                ],
                [120, 40],
            )
        )
    else:
        story.append(markup("No cases were discussed in the quarter.", "body"))
    return render(header, PAPER, story, running="Quarterly data return")
