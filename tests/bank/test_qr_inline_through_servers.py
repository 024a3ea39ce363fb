"""The QR code of a reminder reaches the customer as an inline image through Microsoft Graph and through EWS.

`arcollect send` runs on a real .xlsx against the local Graph endpoint (msal + HTTPS) and the local EWS endpoint
(exchangelib + SOAP) in tests/servers. What arrives is read from the request the server received: the PNG is a
file attachment marked inline (Graph ``isInline``/``contentId``, EWS ``IsInline``/``ContentId``), the HTML body
shows it with ``<img src="cid:…">`` naming exactly that content id, and the image decodes (OpenCV) to the EPC
code of the letter's amount, IBAN and reference. Outlook's rendering of it is not tested here (no Outlook).
"""

from __future__ import annotations

import base64
import re

import pytest

from arcollect.cli import main
from tests.bank.decode import decode_qr
from tests.integration.workbooks import TUESDAY, customer, invoice, make_book
from tests.servers.ews import EwsServer
from tests.servers.graph import GraphServer
from tests.servers.tls import ca_bundle

PASSWORD = "s3cret-for-tests"
IBAN = "DE89370400440532013000"
T = "{http://schemas.microsoft.com/exchange/services/2006/types}"


@pytest.fixture(autouse=True)
def company_ca(monkeypatch):
    monkeypatch.setenv("ARCOLLECT_CA_BUNDLE", ca_bundle())


def _send(tmp_path, settings: dict[str, str]) -> None:
    path = make_book(
        tmp_path,
        customers=[customer("C1", language="de")],
        invoices=[invoice("RE-1", "C1", due="2026-11-10", amount=1000.0), invoice("RE-2", "C1", due="2026-11-12",
                                                                                  amount=234.5)],
        settings={"IBAN": IBAN, "BIC": "COBADEFFXXX", "CompanyName": "Acme Supplies GmbH", **settings},
    )  # fmt: skip
    assert main(["send", str(path), "--now", TUESDAY.isoformat()]) == 0


def _image_ids(html: str) -> list[str]:
    return re.findall(r"""<img[^>]+src=["']cid:([^"']+)["']""", html)


def _check_code(png: bytes, html: str) -> None:
    (payload,) = decode_qr(png)
    lines = payload.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"] and lines[6] == IBAN and lines[7] == "EUR1234.50"
    reference = lines[9]
    assert reference.startswith("RF") and " ".join(re.findall(".{1,4}", reference)) in html  # the letter's own


def test_graph_sends_the_qr_png_inline_with_the_content_id_the_html_shows(tmp_path, monkeypatch):
    with GraphServer() as graph:
        monkeypatch.setenv("ARCOLLECT_GRAPH_CLIENT_SECRET", graph.client_secret)
        _send(tmp_path, {
            "Transport": "graph", "GraphTenantId": graph.tenant, "GraphClientId": graph.client_id,
            "GraphAuthority": graph.authority, "GraphEndpoint": graph.endpoint, "SenderMailbox": graph.mailbox,
        })  # fmt: skip
        (received,) = graph.received
    message = received.message
    assert message["body"]["contentType"].lower() == "html"
    html = message["body"]["content"]
    images = [item for item in message.get("attachments", []) if item.get("contentType") == "image/png"]
    assert len(images) == 1
    (image,) = images
    assert image["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert image["isInline"] is True and image["contentId"]
    assert _image_ids(html) == [image["contentId"]]  # the body shows this very attachment
    _check_code(base64.b64decode(image["contentBytes"]), html)


def test_ews_sends_the_qr_png_inline_with_the_content_id_the_html_shows(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCOLLECT_EWS_PASSWORD", PASSWORD)
    with EwsServer(tls=True, users={"svc-ar": PASSWORD}) as ews:
        _send(tmp_path, {"Transport": "ews", "EwsEndpoint": ews.url, "EwsAuth": "basic", "EwsUser": "svc-ar",
                         "SenderMailbox": ews.mailbox})  # fmt: skip
        (received,) = ews.received
    assert received.body_type == "HTML"
    html = received.body
    files = received.element.findall(f"{T}Attachments/{T}FileAttachment")
    images = [node for node in files if node.findtext(f"{T}ContentType") == "image/png"]
    assert len(images) == 1
    (image,) = images
    assert image.findtext(f"{T}IsInline") in ("true", "1")  # xs:boolean
    content_id = image.findtext(f"{T}ContentId")
    assert content_id and _image_ids(html) == [content_id]
    _check_code(base64.b64decode(image.findtext(f"{T}Content")), html)
