"""Check every letter the demo renders for the law it cites (issue #17); a test runs it on the demo's letters.

    python scripts/check_letters.py                 # run the demo in a temporary folder, then check its letters
    python scripts/check_letters.py --out DIR       # run the demo into DIR (kept), then check its letters
    python scripts/check_letters.py --dir DEMO      # check a demo folder already written (workbook, outbox, preview)

The demo run: `arcollect demo` on Tuesday 1 December 2026, 09:00 UTC, then `arcollect preview` at the same time
(the reminders that wait for their customer's business hours), then `arcollect send` and `preview` the next day
(the interest statements that waited behind that day's reminders). Every `.eml` written is checked:

1. **directive** — no letter cites the Late Payment Directive (2011/7/EU, "Directive", "Richtlinie", …) or "EU
   law": the directive governs no contract.
2. **foreign law** — every statute a letter cites belongs to the law that governs its customer. That law is
   derived here from the workbook, not taken from the engine: the customer's Jurisdiction, else a consumer's own
   country (Customer type Consumer, Rome I art. 6), else Settings GoverningLaw. A statute is recognised by any
   provision text of `arcollect.engine.law.national` (in any of its languages) and by the "(German law)"
   descriptor in any template language.
3. **English inside another language** — no English law name or legal phrase ("German law", "Civil Code", "Late
   Payment", "legal basis", …) in a letter whose language is not English, except the governing statute's own
   name when that statute is English (GB, IE, MT).

It prints the figures (letters per language, letters citing each law, violations per check, the first few
violations) and exits 1 when there is any violation, 2 when the folder holds no workbook or no letters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import html
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

from arcollect.book import read
from arcollect.book.settings import parse_settings
from arcollect.engine.law import DIRECTIVE, LAWS
from arcollect.engine.law.model import Law, Provision
from arcollect.engine.law.names import LAW_OF
from arcollect.schema import Customers

DEMO_NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # a Tuesday: Europe in business hours
_FILE = re.compile(r"^\d{8}-(?P<customer>.+)-L\d+-[0-9A-Za-z_-]{1,12}\.eml$")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")

#: The directive, or EU law as a basis, in the nine template languages.
_DIRECTIVE = re.compile(
    r"20(?:11|00)/(?:7|35)/(?:EU|EC|UE|CE|EG|EY)"
    r"|\b(?:[Dd]irective|[Rr]ichtlinie|[Rr]ichtlijn|[Dd]irectiva|[Dd]irettiva|[Dd]iretiva)\b"
    r"|\bEU[- ](?:law|Recht|recht)\b|droit de l['’]UE|droit européen|Derecho de la UE|diritto dell['’]UE"
    r"|direito da UE|EU法|欧盟法|EU指令|欧盟指令"
)
#: English law names and legal phrases that must not appear inside a letter in another language.
_ENGLISH = re.compile(
    r"\b(?:Civil Code|Commercial Code|Code of Obligations|Late Payment|Interest Act|legal basis|statutory"
    r"|late[- ]payment interest|per annum|per cent|percentage points?|Regulation \d+|[Ss]ection \d+)\b"
    r"|\b(?:" + "|".join(re.escape(name) for name in LAW_OF["en"].values()) + r")\b"
)


def provisions(law: Law) -> list[Provision]:
    """Every provision a law's record cites."""
    found = [regime.provision for regime in (*law.business, *law.consumer)]
    found += [c.provision for c in (law.compensation, law.consumer_compensation) if c is not None]
    found += [p for p in (law.consumer_notice, law.due_date_shift, law.allocation_provision) if p is not None]
    return found


def catalogue() -> list[tuple[str, str]]:
    """(text, law code) for every provision text and every "<country> law" descriptor, longest text first."""
    entries = {(text, code) for code, law in LAWS.items() for p in provisions(law) for text in p.text.values()}
    entries |= {(name, code) for names in LAW_OF.values() for code, name in names.items()}
    return sorted(entries, key=lambda entry: (-len(entry[0]), entry))


def english_statutes(code: str) -> list[str]:
    """The governing law's own provision texts that are English (GB, IE, MT): allowed in any language."""
    law = LAWS.get(code)
    return [p.text["en"] for p in provisions(law) if "en" in p.text] if law else []


def governing_laws(workbook: Path) -> dict[str, str]:
    """Customer ID → the code of the law governing its contracts, derived from the workbook itself."""
    tables, _problems = read.read(workbook)
    settings, _ = parse_settings(tables["Settings"].reset_index(drop=True))
    default = (settings.governing_law or "").strip().upper()
    laws: dict[str, str] = {}
    customers = tables["Customers"]
    for row in customers.to_dict("records"):
        own = _text(row.get(Customers.JURISDICTION)).upper()
        consumer = _text(row.get(Customers.CUSTOMER_TYPE)).lower() == "consumer"
        if own and own != DIRECTIVE:
            laws[str(row[Customers.ID])] = own
        elif consumer and _text(row.get(Customers.COUNTRY)):
            laws[str(row[Customers.ID])] = _text(row.get(Customers.COUNTRY)).upper()
        else:
            laws[str(row[Customers.ID])] = default
    return laws


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def letter_text(path: Path) -> tuple[str, str]:
    """(language, the text of every part: plain text and the HTML's text) of one `.eml`."""
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    parts = []
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            parts.append(part.get_content())
        elif part.get_content_type() == "text/html":
            parts.append(html.unescape(_TAG.sub(" ", part.get_content())))
    parts.append(str(message["Subject"] or ""))
    return str(message["Content-Language"] or "en"), _SPACE.sub(" ", "\n".join(parts))


@dataclass
class Findings:
    letters: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    citing: Counter[str] = field(default_factory=Counter)  # letters citing each law
    directive: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # letters whose customer is not in the workbook

    @property
    def violations(self) -> int:
        return len(self.directive) + len(self.foreign) + len(self.english) + len(self.unknown)

    def summary(self) -> str:
        lines = [
            f"letters checked: {self.letters}",
            "by language: " + ", ".join(f"{lang} {n}" for lang, n in sorted(self.languages.items())),
            "letters citing a statute, by law: "
            + (", ".join(f"{code} {n}" for code, n in sorted(self.citing.items())) or "none"),
            f"letters citing a directive or EU law: {len(self.directive)}",
            f"letters citing a law that does not govern the customer: {len(self.foreign)}",
            f"letters with an English law name or legal phrase in another language: {len(self.english)}",
            f"letters of a customer not in the workbook: {len(self.unknown)}",
        ]
        for label, found in (("directive", self.directive), ("foreign law", self.foreign),
                             ("English", self.english), ("unknown customer", self.unknown)):  # fmt: skip
            lines += [f"  {label}: {line}" for line in found[:10]]
        return "\n".join(lines)


def check(workbook: Path, letters: list[Path]) -> Findings:
    """Run the three checks over `letters` (.eml files) of the customers in `workbook`."""
    governing = governing_laws(workbook)
    entries = catalogue()
    findings = Findings()
    for path in letters:
        match = _FILE.match(path.name)
        customer = match.group("customer") if match else ""
        findings.letters += 1
        language, text = letter_text(path)
        findings.languages[language] += 1
        if customer not in governing:
            findings.unknown.append(f"{path.name}: customer {customer or '?'} not in Customers")
            continue
        law = governing[customer]
        for hit in _DIRECTIVE.finditer(text):
            findings.directive.append(f"{path.name} ({language}, {law} law): {_around(text, hit)}")
            break
        cited: set[str] = set()
        rest = text
        for needle, code in entries:
            if needle in rest:
                cited.add(code)
                rest = rest.replace(needle, " ")
        for code in sorted(cited):
            findings.citing[code] += 1
        if cited - {law}:
            findings.foreign.append(
                f"{path.name} ({language}): cites {', '.join(sorted(cited - {law}))} law, governed by {law or 'none'}"
            )
        if not language.startswith("en"):
            plain = text
            for own in english_statutes(law):
                plain = plain.replace(own, " ")
            hit = _ENGLISH.search(plain)
            if hit:
                findings.english.append(f"{path.name} ({language}): {_around(plain, hit)}")
    return findings


def _around(text: str, hit: re.Match[str]) -> str:
    return "…" + text[max(0, hit.start() - 40) : hit.end() + 40] + "…"


def run_demo(folder: Path, now: dt.datetime = DEMO_NOW) -> list[Path]:
    """The demo as a user runs it, plus the letters that wait (preview) and the next day's; every `.eml` written."""
    from arcollect.cli import main
    from arcollect.demo.job import DEMO_FILE

    workbook = folder / DEMO_FILE
    later = now + dt.timedelta(days=1)
    steps = [
        ["demo", "--dir", str(folder), "--now", now.isoformat()],
        ["preview", str(workbook), "--now", now.isoformat()],
        ["send", str(workbook), "--now", later.isoformat()],
        ["preview", str(workbook), "--now", later.isoformat()],
    ]
    for number, step in enumerate(steps, start=1):
        if main(step) != 0:
            raise SystemExit(f"arcollect {' '.join(step)} failed")
        if step[0] == "preview":  # the next preview clears the folder: keep this one's letters
            kept = folder / "letters" / f"preview{number}"
            kept.mkdir(parents=True, exist_ok=True)
            for letter in (folder / "preview").glob("*.eml"):
                shutil.copy2(letter, kept / letter.name)
    return letters_in(folder)


def letters_in(folder: Path) -> list[Path]:
    """Every `.eml` of a demo folder: the outbox, and the previews `run_demo` kept (else the preview folder)."""
    kept = folder / "letters"
    previews = sorted(kept.rglob("*.eml")) if kept.exists() else sorted((folder / "preview").glob("*.eml"))
    return sorted((folder / "outbox").glob("*.eml")) + previews


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--dir", type=Path, help="a demo folder already written: check it only")
    where.add_argument("--out", type=Path, help="run the demo into this folder and keep it")
    args = parser.parse_args(argv)
    from arcollect.demo.job import DEMO_FILE

    with tempfile.TemporaryDirectory(prefix="arcollect-letters-") as scratch:
        if args.dir is not None:
            folder = args.dir
            letters = letters_in(folder)
        else:
            folder = args.out or Path(scratch)
            letters = run_demo(folder)
        workbook = folder / DEMO_FILE
        if not workbook.exists() or not letters:
            print(f"no workbook or no letters in {folder}", file=sys.stderr)
            return 2
        findings = check(workbook, letters)
    print(findings.summary())
    return 1 if findings.violations else 0


if __name__ == "__main__":
    sys.exit(main())
