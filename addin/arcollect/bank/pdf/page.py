"""The page a PDF statement is written on (`Statement`: A4, the page footer) and `Writer`, its text helpers: one
paragraph, one table row, one label-and-amount line — Latin-1 only without a TrueType font.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF


class Statement(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_family, "", 8)
        self.cell(0, 5, self.footer_text.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}"), align="C")


class Writer:
    """Text helpers: one paragraph, one table row, one label-and-amount line; Latin-1 only without a TTF font.
    `bold` is the style bold text is set in: "" where the family has one weight (its bold is its regular)."""

    def __init__(self, pdf: FPDF, family: str, unicode: bool, bold: str = "B") -> None:
        self.pdf, self.family, self.unicode, self.bold = pdf, family, unicode, bold

    def _safe(self, text: Any) -> str:
        text = str(text)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def text(
        self, text: Any, *, size: float = 10, bold: bool = False, x: float | None = None, width: float = 0,
        align: str = "L",
    ) -> None:  # fmt: skip
        self.pdf.set_font(self.family, self.bold if bold else "", size)
        if x is not None:
            self.pdf.set_x(x)
        self.pdf.multi_cell(width, size * 0.45, self._safe(text), align=align, new_x="LMARGIN", new_y="NEXT")

    def row(self, cells: list[str], widths: tuple[float, ...], *, bold: bool = False, border: str = "") -> None:
        self.pdf.set_font(self.family, self.bold if bold else "", 8 if bold else 9)
        for position, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            align = "R" if position == len(cells) - 1 or (position >= 4 and len(cells) > 5) else "L"
            self.pdf.cell(width, 6, self._safe(cell), border=border, align=align)
        self.pdf.ln(6)

    def line(self, label: str, amount: str, width: float, *, bold: bool = False) -> None:
        self.pdf.set_font(self.family, self.bold if bold else "", 9)
        self.pdf.cell(width - 40, 6, self._safe(label))
        self.pdf.cell(40, 6, self._safe(amount), align="R", border="T" if bold else "")
        self.pdf.ln(6)
