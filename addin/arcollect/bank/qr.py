"""Pay in one scan: the EPC QR code ("GiroCode") for EUR and the Swiss QR-bill code for CHF.

    >>> code = qr.payment_code(account, amount=Decimal("1234.50"), currency="EUR", reference="RF18539007547034",
    ...                        note="Customer account C-1001", creditor_address="", language="de")
    >>> code.kind, code.payload.splitlines()[:4]
    ('epc', ['BCD', '002', '1', 'SCT'])
    >>> png = code.png()                                       # bytes of a PNG image, quiet zone included

EPC069-12 (European Payments Council, "Quick Response Code: Guidelines to Enable Data Capture for the Initiation
of a SEPA Credit Transfer", version 3.0): service tag ``BCD``, version ``002``, character set ``1`` (UTF-8),
identification ``SCT``, BIC (optional in version 002), beneficiary name (≤ 70), IBAN, amount ``EUR`` + the amount
with a point and at most two decimals (0.01 – 999,999,999.99), purpose (empty), the structured RF reference
(≤ 35) — so the unstructured remittance line stays empty, the standard allows only one of the two — and a note
to the payer (≤ 70). At most 331 bytes, error correction level M, at most QR version 13, one byte segment.

Swiss QR-bill (SIX Swiss Payment Standards, "Swiss Implementation Guidelines for the QR-bill", version 2.3): the
payload is built and validated by the `qrbill` library (creditor with a structured address, SCOR reference = the
RF reference, which needs an ordinary CH/LI IBAN, not a QR-IBAN), encoded at level M with the Swiss cross in the
middle (7 × 7 mm on the 46 × 46 mm code).

Both are the symbols the `qrcode` library makes, module for module (version, mask, placement); `qr_symbol` makes
them faster, and each payload's symbol is kept for the process.

Other currencies get no code: no other banking community reads a QR standard that a reminder could carry.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from decimal import Decimal

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw
from qrbill import QRBill

from arcollect.bank import qr_symbol
from arcollect.bank.accounts import Account

EPC_MAX_BYTES = 331
EPC_MAX_VERSION = 13
SWISS_MAX_VERSION = 25
EPC_MAX_AMOUNT = Decimal("999999999.99")
QUIET_ZONE = 4  # modules of white around a code, as ISO/IEC 18004 asks
SWISS_CROSS_SHARE = 7 / 45.8  # the cross is 7 mm wide on the code's 45.8 mm (without quiet zone)
QR_BILL_LANGUAGES = ("de", "fr", "it", "en")  # the languages a QR-bill may be printed in


class NoCode(ValueError):
    """This payment cannot be carried by a QR code (currency, account or amount); the reason says why."""


@dataclass(frozen=True)
class PaymentCode:
    """One payment QR code: its kind (``epc`` or ``swiss``), the text it encodes and its module matrix."""

    kind: str
    payload: str
    matrix: tuple[tuple[bool, ...], ...]
    version: int

    def png(self, module_pixels: int = 4) -> bytes:
        """The code as a black-and-white PNG with the quiet zone (and, for a QR-bill, the Swiss cross); drawn once
        per process for each code and size."""
        return _png(self.kind, self.matrix, module_pixels)


@functools.lru_cache(maxsize=512)
def _png(kind: str, matrix: tuple[tuple[bool, ...], ...], module_pixels: int) -> bytes:
    size = len(matrix)
    side = (size + 2 * QUIET_ZONE) * module_pixels
    image = Image.new("1", (side, side), 1)
    draw = ImageDraw.Draw(image)
    for row, cells in enumerate(matrix):
        top = (row + QUIET_ZONE) * module_pixels
        column = 0
        while column < size:  # one rectangle per run of dark modules
            if cells[column]:
                start = column
                while column < size and cells[column]:
                    column += 1
                left = (start + QUIET_ZONE) * module_pixels
                right = (column + QUIET_ZONE) * module_pixels - 1
                draw.rectangle((left, top, right, top + module_pixels - 1), fill=0)
            column += 1
    if kind == "swiss":
        _swiss_cross(draw, centre=side / 2, width=size * module_pixels * SWISS_CROSS_SHARE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _swiss_cross(draw: ImageDraw.ImageDraw, centre: float, width: float) -> None:
    """The Swiss cross of the style guide, 7 mm on the 46 mm code: a black square in a thin white frame, with a
    white cross (the proportions of SIX's graphic, on a grid of 19 units)."""
    unit = width / 19
    left = top = centre - 10 * unit

    def box(x: float, y: float, w: float, h: float, fill: int) -> None:
        draw.rectangle((left + x * unit, top + y * unit, left + (x + w) * unit, top + (y + h) * unit), fill=fill)

    box(0, 0, 19.8, 19.8, 1)
    box(1.4, 1.4, 17, 17, 0)
    box(8.3, 4, 3.3, 11, 1)
    box(4.4, 7.9, 11, 3.3, 1)


@functools.lru_cache(maxsize=512)
def _matrix(payload: str, max_version: int) -> tuple[tuple[tuple[bool, ...], ...], int]:
    """The modules and version of the code of `payload`: the symbol `qrcode` makes (`qr_symbol.make`). Kept per
    payload: the same customer's code is asked for again by the next run in the process (a preview, then the send;
    the demo's plan before the morning's bank statement, then its send)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload.encode("utf-8"), optimize=0)  # one byte segment, UTF-8, as both standards ask
    modules, _mask = qr_symbol.make(code)
    if code.version > max_version:
        raise NoCode(f"the payment data needs QR version {code.version}; at most {max_version} is allowed")
    return tuple(map(tuple, modules.tolist())), code.version


def epc_payload(name: str, iban: str, amount: Decimal, *, bic: str = "", reference: str = "", note: str = "") -> str:
    """The EPC069-12 version 002 text (lines joined by LF); `NoCode` when a field cannot be carried."""
    if not iban:
        raise NoCode("no IBAN for payments in EUR")
    if not Decimal("0.01") <= amount <= EPC_MAX_AMOUNT:
        raise NoCode(f"an EPC QR code carries 0.01 to 999,999,999.99 EUR, not {amount}")
    name = " ".join(name.split())[:70]
    if not name:
        raise NoCode("no account holder or company name for the EPC QR code")
    if len(reference) > 35:
        raise NoCode("the structured reference of an EPC QR code has at most 35 characters")
    lines = ["BCD", "002", "1", "SCT", bic, name, iban, f"EUR{amount.quantize(Decimal('0.01'))}", "", reference, ""]
    lines.append(" ".join(note.split())[:70])
    payload = "\n".join(lines).rstrip("\n")
    if len(payload.encode("utf-8")) > EPC_MAX_BYTES:
        raise NoCode(f"the EPC QR payload has {len(payload.encode('utf-8'))} bytes; at most {EPC_MAX_BYTES}")
    return payload


def swiss_bill(
    account: Account,
    amount: Decimal,
    currency: str,
    *,
    reference: str,
    creditor_address: str,
    note: str = "",
    language: str = "en",
) -> QRBill:
    """The validated `qrbill.QRBill` of this payment; `NoCode` with the library's reason when it refuses."""
    parts = [part.strip() for part in creditor_address.split(",")]
    if len(parts) != 3:
        raise NoCode("a Swiss QR-bill needs CompanyAddress (street and number, postcode and town, country code)")
    street, place, country = parts
    street_name, _, number = street.rpartition(" ") if street.rsplit(" ", 1)[-1][:1].isdigit() else (street, "", "")
    postcode, _, town = place.partition(" ")
    try:
        return QRBill(
            account=account.iban,
            creditor={
                "name": account.holder[:70],
                "street": street_name or street,
                "house_num": number,
                "pcode": postcode,
                "city": town,
                "country": country,
            },
            amount=str(amount.quantize(Decimal("0.01"))),
            currency=currency,
            reference_number=reference,
            additional_information=" ".join(note.split())[:140],
            language=language if language in QR_BILL_LANGUAGES else "en",
        )
    except ValueError as error:
        raise NoCode(f"no Swiss QR-bill: {error}") from None


def payment_code(
    account: Account | None,
    *,
    amount: Decimal,
    currency: str,
    reference: str,
    note: str = "",
    creditor_address: str = "",
    language: str = "en",
) -> PaymentCode:
    """The QR code a customer scans to pay `amount` in `currency`; `NoCode` (with the reason) when there is none.

    EUR into an IBAN → EPC QR code; CHF (or EUR) into a Swiss or Liechtenstein IBAN → Swiss QR-bill code
    (which a Swiss banking app reads; the EPC code is not read there). Any other currency → `NoCode`.
    """
    if account is None or not account.iban:
        raise NoCode(f"no IBAN for payments in {currency}")
    if currency == "CHF" or (currency == "EUR" and account.country in ("CH", "LI")):
        bill = swiss_bill(
            account, amount, currency, reference=reference, creditor_address=creditor_address, note=note,
            language=language,
        )  # fmt: skip
        payload = bill.qr_data()
        matrix, version = _matrix(payload, SWISS_MAX_VERSION)
        return PaymentCode("swiss", payload, matrix, version)
    if currency != "EUR":
        raise NoCode(f"banks do not read payment QR codes for {currency}")
    payload = epc_payload(account.holder, account.iban, amount, bic=account.bic, reference=reference, note=note)
    matrix, version = _matrix(payload, EPC_MAX_VERSION)
    return PaymentCode("epc", payload, matrix, version)
