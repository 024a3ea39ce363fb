"""An independent QR decoder for the tests: OpenCV's QRCodeDetector (opencv-python-headless, from PyPI).

It shares no code with what makes our codes (qrcode, qrbill) and reads the Swiss QR-bill code with its cross at
every size we tried; zbar (libzbar0) missed that one at most sizes, so it is not used.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def decode_qr(image: bytes | Path) -> list[str]:
    """The texts of the QR codes OpenCV finds in a PNG (bytes or a file), as the UTF-8 text they encode."""
    data = image.read_bytes() if isinstance(image, Path) else image
    pixels = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if pixels is None:
        raise ValueError("not an image OpenCV can read")
    detector = cv2.QRCodeDetector()
    text, _points, _straight = detector.detectAndDecode(pixels)
    if text:
        return [text]
    found, texts, _points, _straight = detector.detectAndDecodeMulti(pixels)
    return [text for text in texts if text] if found else []
