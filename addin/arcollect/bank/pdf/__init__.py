"""The PDF statement a reminder attaches: the customer's open items in their language and number formats, the
balance the letter states, and how to pay it — account, RF reference and the QR code (with a Swiss QR-bill
payment part for CHF).

    attachment = pdf.statement_attachment(values, settings, renderer, language)  # values: the letter's context

It is the reminder's one statement (`bank.letters` attaches it where the level says so; `mail.compose` falls back
to a CSV statement only for a context without a payment block). Its lines and amounts are the letter's — the
sections' ``amount_due`` as `mail.compose` computes it — so the balance, the QR code and the letter agree.
fpdf2 writes it (pure Python, installs on Windows without system packages). Labels come from the template strings
of the language the letter was rendered in (``templates/<lang>/_strings.j2``: a user's TemplateDir overrides them
too); amounts and dates are formatted with Babel in the letter's locale (`mail.formats.letter_locale`).
Fonts: a Unicode TrueType font found on the machine — Arial on Windows and macOS, DejaVu Sans on Linux — and, for
Japanese and Chinese customers, a CJK font for the whole statement (Windows: Yu Gothic / MS Gothic, Microsoft YaHei
/ SimSun; macOS: Hiragino / PingFang; Linux: Noto Sans CJK), which carries Latin letters and digits too. (Not a
fallback font beside a Latin one: with fpdf2 2.8.9 that mixed digits up in bold cells and page numbers — seen, and
avoided.) The environment variables ``ARCOLLECT_PDF_FONT``, ``ARCOLLECT_PDF_BOLD_FONT`` and
``ARCOLLECT_PDF_CJK_FONT`` name other files. Without any Unicode font the statement is written with the PDF core
font Helvetica, and characters it cannot show become "?" (logged as a warning); without a CJK font, Japanese or
Chinese labels fall back to English. A font file is embedded once: the CJK collections have one weight, so their
bold text is the same glyphs from the same subset. A statement is made once per process for what it shows
(`statement.render`): a second run in the process over the same book (a preview, then the send) gets the PDF
made the first time.

    fonts      the Unicode and CJK font files found on the machine (or named by the environment)
    page       the A4 page with its footer, and the Writer's text helpers
    payment    how to pay: account, RF reference, QR code; the Swiss QR-bill payment part for CHF
    statement  statement_attachment and render: the letter's lines, then payment, then the other open items

The package exposes what the rest of arcollect uses.
"""

from arcollect.bank.pdf.fonts import fonts
from arcollect.bank.pdf.statement import render, statement_attachment, strings

__all__ = ["fonts", "render", "statement_attachment", "strings"]
