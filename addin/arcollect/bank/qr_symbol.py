"""A QR symbol as the `qrcode` library makes it — the same modules, its mask chosen by the same scores — with the
module placement and the choice of mask done in numpy for all eight masks at once.

    >>> code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    >>> code.add_data(b"BCD\\n002\\n1\\nSCT", optimize=0)
    >>> modules, mask = qr_symbol.make(code)   # == code.make(fit=True); code.get_matrix(), code.best_mask_pattern()

`qrcode` encodes the data (segments, version, Reed–Solomon codewords: `qrcode.util.create_data`, kept as it is),
then places it in the symbol and scores each of the eight masks in pure Python, nine placements per code.
ISO/IEC 18004 lets the encoder pick any mask and asks for the lowest penalty; the codes arcollect prints are the
ones `qrcode` makes, so the choice must be `qrcode`'s exactly (its `best_mask_pattern`: each mask applied to a
test symbol whose format and version information are left light, scored by `qrcode.util.lost_point`, the first
lowest score wins). Here the codewords are placed once in the data modules `qrcode`'s own pattern setup leaves
free, in `map_data`'s order, and the eight masked test symbols are scored together by the four rules of
`qrcode.util.lost_point`:

1. each run of five or more same-coloured modules in a row or column: its length − 2;
2. each 2 × 2 block of one colour: 3;
3. each 1:1:3:1:1 finder-like pattern with four light modules on one side (``10111010000`` or ``00001011101``)
   in a row or column, counted at every position (no quiet zone beyond the edge): 40;
4. 10 for every full 5 % the share of dark modules lies away from 50 %.

The function patterns, format and version information come from `qrcode`'s own setup methods. tests/bank/
test_qr_symbol.py holds the finished symbols and the masks against `qrcode`'s for hundreds of payloads of every
version a payment code uses, so a `qrcode` release that places or scores differently fails there instead of
changing the printed codes.
"""

from __future__ import annotations

import functools

import numpy as np
import qrcode
import qrcode.util

# The 1:1:3:1:1 pattern of rule 3 with its light margin, on either side, as 11-bit numbers (first module highest).
_FINDER_LIKE = np.array([0b10111010000, 0b00001011101])


def make(code: qrcode.QRCode) -> tuple[np.ndarray, int]:
    """The symbol (rows of modules, dark = True) and mask `code.make(fit=True)` makes for `code` (data added)."""
    code.best_fit()  # as make(fit=True) does: the smallest version the data fits
    version, correction = code.version, code.error_correction
    codewords = qrcode.util.create_data(version, correction, code.data_list)
    rows, columns = _placement(version)
    bits = np.unpackbits(np.array(codewords, dtype=np.uint8))[: len(rows)]
    data = np.zeros_like(_data_modules(version))
    data[rows[: len(bits)], columns[: len(bits)]] = bits  # the remainder bits after the codewords stay light
    free = _data_modules(version)
    masks = _masks(version)
    scores = _penalties(np.where(free, data ^ masks, _function_modules(version, correction, None)))
    mask = int(np.argmin(scores))  # the first lowest, as qrcode keeps the first
    return np.where(free, data ^ masks[mask], _function_modules(version, correction, mask)), mask


def _setup(version: int, correction: int, mask: int | None) -> list[list[bool | None]]:
    """qrcode's function patterns of a symbol of `version`: finder, alignment and timing patterns, the format
    information of `mask` (None: qrcode's test symbol, format and version information light) and the version
    information; None where data goes."""
    code = qrcode.QRCode(version=version, error_correction=correction, border=0)
    code.modules_count = size = version * 4 + 17
    code.modules = [[None] * size for _ in range(size)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(size - 7, 0)
    code.setup_position_probe_pattern(0, size - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(mask is None, mask or 0)
    if version >= 7:
        code.setup_type_number(mask is None)
    return code.modules


@functools.lru_cache(maxsize=64)
def _data_modules(version: int) -> np.ndarray:
    """Where a symbol of `version` carries data: the modules qrcode's pattern setup leaves empty."""
    free = np.array([[module is None for module in row] for row in _setup(version, 0, None)], dtype=bool)
    free.flags.writeable = False
    return free


@functools.lru_cache(maxsize=512)
def _function_modules(version: int, correction: int, mask: int | None) -> np.ndarray:
    modules = np.array([[bool(module) for module in row] for row in _setup(version, correction, mask)], dtype=bool)
    modules.flags.writeable = False
    return modules


@functools.lru_cache(maxsize=64)
def _placement(version: int) -> tuple[np.ndarray, np.ndarray]:
    """The data modules in the order qrcode's `map_data` fills them: two-module columns from the right, up and
    down in turn, skipping the vertical timing pattern."""
    free = _data_modules(version)
    size = len(free)
    rows: list[int] = []
    columns: list[int] = []
    upward = True
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        for row in range(size - 1, -1, -1) if upward else range(size):
            for column in (right, right - 1):
                if free[row, column]:
                    rows.append(row)
                    columns.append(column)
        upward = not upward
    placed = np.array(rows), np.array(columns)
    for array in placed:
        array.flags.writeable = False
    return placed


@functools.lru_cache(maxsize=64)
def _masks(version: int) -> np.ndarray:
    """The eight mask conditions of ISO/IEC 18004 table 10 (i the row, j the column), as `qrcode.util.mask_func`;
    (8, size, size)."""
    i, j = np.indices((version * 4 + 17,) * 2)
    masks = np.stack(
        [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i * j) % 3 + (i + j) % 2) % 2 == 0,
        ]
    )
    masks.flags.writeable = False
    return masks


def _penalties(symbols: np.ndarray) -> np.ndarray:
    """`qrcode.util.lost_point` of each symbol of a stack (count, size, size), as integers."""
    count, size, _ = symbols.shape
    across = np.concatenate([symbols, symbols.transpose(0, 2, 1)], axis=1)  # rows, then columns as rows
    score = _long_runs(across)
    corner = symbols[:, :-1, :-1]
    blocks = (corner == symbols[:, :-1, 1:]) & (corner == symbols[:, 1:, :-1]) & (corner == symbols[:, 1:, 1:])
    score += 3 * blocks.sum(axis=(1, 2))
    windows = np.zeros((count, 2 * size, size - 10), dtype=np.int16)  # each run of 11 modules as an 11-bit number
    for offset in range(11):
        windows = (windows << 1) | across[:, :, offset : offset + size - 10]
    score += 40 * np.isin(windows, _FINDER_LIKE).sum(axis=(1, 2))
    dark = symbols.sum(axis=(1, 2))
    for index in range(count):  # rule 4 in qrcode's own float arithmetic, so a boundary case rounds alike
        percent = float(dark[index]) / (size**2)
        score[index] += int(abs(percent * 100 - 50) / 5) * 10
    return score


def _long_runs(lines: np.ndarray) -> np.ndarray:
    """Rule 1 for each stack of lines (count, lines, length): every run of 5 or more alike scores its length − 2."""
    count, number, length = lines.shape
    padded = np.full((count, number, length + 1), 2, dtype=np.int8)  # a 2 after each line ends its last run
    padded[:, :, :length] = lines
    flat = padded.reshape(-1)
    starts = np.concatenate(([0], np.flatnonzero(flat[1:] != flat[:-1]) + 1))
    runs = np.diff(np.append(starts, flat.size))
    long = runs >= 5  # the separators are runs of 1
    owner = starts[long] // (number * (length + 1))
    return np.bincount(owner, weights=runs[long] - 2, minlength=count).astype(np.int64)
