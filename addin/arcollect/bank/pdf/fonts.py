"""The fonts of a PDF statement: a Unicode TrueType font found on the machine (Arial on Windows and macOS, DejaVu
Sans on Linux) and, for Japanese and Chinese, a CJK font (`CJK`, the face of a collection in `FACE`); the
environment variables ``ARCOLLECT_PDF_FONT``, ``ARCOLLECT_PDF_BOLD_FONT`` and ``ARCOLLECT_PDF_CJK_FONT`` name
other files.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

_LATIN = (
    "C:/Windows/Fonts/arial.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
_LATIN_BOLD = (
    "C:/Windows/Fonts/arialbd.ttf",
    "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
)
CJK = {
    "ja": (
        "C:/Windows/Fonts/YuGothM.ttc",
        "C:/Windows/Fonts/msgothic.ttc",
        "/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    ),
    "zh": (
        "C:/Windows/Fonts/msyh.ttc",
        "C:/Windows/Fonts/simsun.ttc",
        "/System/Library/Fonts/PingFang.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    ),
}
# Face of each collection to use: in Noto Sans CJK Regular.ttc 0 = JP, 2 = SC; in the Windows files 0 is the one.
FACE = {("ja", "NotoSansCJK-Regular.ttc"): 0, ("zh", "NotoSansCJK-Regular.ttc"): 2}


def _first(paths: tuple[str, ...], variable: str) -> Path | None:
    chosen = os.environ.get(variable)
    for candidate in ((chosen,) if chosen else ()) + paths:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@functools.lru_cache(maxsize=8)
def fonts(language: str) -> tuple[Path | None, Path | None, Path | None]:
    """(regular, bold, CJK fallback) font files for a statement in `language`; None where none was found."""
    cjk = _first(CJK[language], "ARCOLLECT_PDF_CJK_FONT") if language in CJK else None
    return _first(_LATIN, "ARCOLLECT_PDF_FONT"), _first(_LATIN_BOLD, "ARCOLLECT_PDF_BOLD_FONT"), cjk
