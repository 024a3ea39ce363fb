"""The payment codes are the symbols the `qrcode` library makes — module for module, with its choice of mask — though
`bank.qr_symbol` places the data and scores the eight masks in numpy instead of qrcode's nine pure-Python builds.

The reference here is qrcode itself (`QRCode.make(fit=True)`, `util.lost_point`), so a qrcode release that places or
scores differently fails these tests instead of silently changing the printed codes. That the codes scan and carry
every field is tests/bank/test_codes.py's (OpenCV reads them).
"""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest
import qrcode
import qrcode.constants
import qrcode.util

from arcollect.bank import qr, qr_symbol
from arcollect.bank.accounts import Account

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 \n\r-.,/äöüéßàç€株式会社上海"


def _code(payload: bytes) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload, optimize=0)
    return code


def _payloads(count: int, longest: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    texts = ("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, longest))) for _ in range(count))
    return [text.encode("utf-8")[:longest] for text in texts]


def test_the_symbol_and_mask_are_qrcodes_own_for_payloads_of_every_epc_size():
    masks, versions = [], set()
    for payload in _payloads(70, qr.EPC_MAX_BYTES, seed=19):
        reference = _code(payload)
        reference.make(fit=True)  # qrcode's own: best_fit, best_mask_pattern, makeImpl
        code = _code(payload)
        modules, mask = qr_symbol.make(code)
        assert code.version == reference.version
        assert modules.tolist() == reference.get_matrix(), f"symbol differs from qrcode's for {payload!r}"
        masks.append(mask)
        versions.add(code.version)
    assert set(masks) == set(range(8)), "every mask was chosen for some payload, so every one was compared"
    assert versions == set(range(1, qr.EPC_MAX_VERSION + 1))


def test_large_swiss_sized_symbols_with_version_information_are_qrcodes_own():
    payloads = [*_payloads(6, 900, seed=7), b"x" * 990]  # versions 7 to 25 carry version information blocks
    for payload in payloads:
        reference = _code(payload)
        reference.make(fit=True)
        code = _code(payload)
        modules, _mask = qr_symbol.make(code)
        assert modules.tolist() == reference.get_matrix(), f"version {reference.version} differs from qrcode's"
    assert max(_code(payload).version for payload in payloads) >= 20


@pytest.mark.parametrize("size", [21, 25, 33, 45, 57, 69])
def test_the_penalty_of_any_pattern_is_qrcodes_lost_point(size):
    rng = np.random.default_rng(size)
    # from nearly all light to nearly all dark, so long runs, blocks, finder-like patterns and the dark share
    # boundaries of every 5 % all occur
    stack = np.stack([rng.random((size, size)) < share for share in np.linspace(0.02, 0.98, 40)])
    stack[0, 3, :] = [bool(int(bit)) for bit in ("10111010000" * 7)[:size]]  # finder-like patterns in a row
    stack[1, :, 5] = [bool(int(bit)) for bit in ("00001011101" * 7)[:size]]  # and in a column
    expected = [qrcode.util.lost_point(symbol.tolist()) for symbol in stack]
    assert qr_symbol._penalties(stack).tolist() == expected


def test_a_payment_code_is_made_once_per_payload_and_identical_each_time():
    account = Account("EUR", "Acme Supplies AG", "DE89370400440532013000", "COBADEFFXXX", "")
    ask = dict(amount=Decimal("1234.50"), currency="EUR", reference="RF18539007547034", note="C-1001")
    qr._matrix.cache_clear()
    first = qr.payment_code(account, **ask)
    second = qr.payment_code(account, **ask)
    assert qr._matrix.cache_info().hits == 1
    assert second.matrix is first.matrix
    assert second.png() is first.png() and second.png(module_pixels=6) is not first.png()
    reference = _code(first.payload.encode("utf-8"))
    reference.make(fit=True)
    assert [list(row) for row in second.matrix] == reference.get_matrix()
    other = qr.payment_code(account, **{**ask, "amount": Decimal("1234.51")})
    assert other.matrix != first.matrix and qr._matrix.cache_info().misses == 2
