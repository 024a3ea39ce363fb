"""Audit the locked dependency sets for known vulnerabilities, and say what was checked; `make audit` runs it.

    python scripts/audit.py requirements.lock requirements-floors.lock       # the check make test runs
    python scripts/audit.py LOCKS... --snapshot-from DIR                     # rebuild the snapshot (needs PyYAML)
    python scripts/audit.py LOCKS... --record-release-dates                  # when a lock changes (PyPI JSON API)

Two sources, because CI may only reach PyPI's package index, not its vulnerability data:

1. **The snapshot** ``security/advisories.json``: every PyPA advisory-database entry (github.com/pypa/
   advisory-database, ``vulns/<package>/*.yaml``) for a package in the locks, reduced to its id, aliases, affected
   version ranges and listed versions, with the database's commit and date and the list of packages it was built
   for. It always runs, offline, and fails on any locked version it lists as affected.
2. **pip-audit online** (PyPI's per-release vulnerability data) when that service answers: any vulnerability it
   reports fails the audit. Packages it cannot look up are counted and named as not looked up.

A snapshot can only vouch for what was published before it was taken. ``security/release-dates.json`` records
when each pinned release was uploaded to PyPI (written with ``--record-release-dates`` whenever a lock changes);
the audit fails when the snapshot is older than the newest release in a lock, because advisories about that
release cannot be in it, and when a pinned package was not looked up in the snapshot at all. When no newer
snapshot can be had, ``security/stale-snapshot.json`` may accept that one snapshot for at most 31 days from the day
it was written, with the reason; the audit then says so on every run, and fails again when the time is up or the
snapshot changes.

Exit status 0 = nothing known affects the locks, and the snapshot covers them (or its staleness is accepted, said
loudly); 1 = a vulnerability, a stale snapshot, or a pin the snapshot or the release dates do not cover; 2 = a lock
or the snapshot cannot be read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

SECURITY = Path(__file__).resolve().parents[1] / "security"
SNAPSHOT = SECURITY / "advisories.json"
RELEASE_DATES = SECURITY / "release-dates.json"
STALE_ACCEPTED = SECURITY / "stale-snapshot.json"
MAX_ACCEPTANCE = dt.timedelta(days=31)
PYPA = "https://github.com/pypa/advisory-database"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def locked(lock: Path) -> dict[str, str]:
    """Canonical package name → pinned version, from ``name==version`` lines."""
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def affected(advisory: dict[str, Any], version: str) -> bool:
    """Whether `version` is in the advisory's listed versions or one of its ECOSYSTEM ranges."""
    if version in advisory.get("versions", ()):
        return True
    try:
        ours = Version(version)
    except InvalidVersion:
        return False
    for events in advisory.get("ranges", ()):
        start: Version | None = None
        for event in events:
            kind, value = next(iter(event.items()))
            if kind == "introduced":
                start = Version("0") if value == "0" else Version(value)
            elif start is not None and kind in ("fixed", "last_affected"):
                end = Version(value)
                if start <= ours and (ours < end if kind == "fixed" else ours <= end):
                    return True
                start = None
        if start is not None and start <= ours:
            return True
    return False


def snapshot_findings(pins: dict[str, str], snapshot: dict[str, Any]) -> list[str]:
    findings = []
    for name, version in sorted(pins.items()):
        for advisory in snapshot["advisories"].get(name, ()):
            if affected(advisory, version):
                fixed = ", ".join(advisory.get("fixed", ())) or "no fixed version"
                aliases = f" ({', '.join(advisory['aliases'])})" if advisory.get("aliases") else ""
                findings.append(f"{name} {version}: {advisory['id']}{aliases}, fixed in {fixed} [snapshot]")
    return findings


def coverage(pins: dict[str, str], snapshot: dict[str, Any], dates: dict[str, Any]) -> dict[str, Any]:
    """What the snapshot covers of one lock: pins it was not built for, pins without a recorded upload date, the
    newest pinned release, and the pinned releases uploaded after the snapshot was taken."""
    looked_up = set(snapshot.get("packages") or snapshot["advisories"])
    releases = dates.get("releases", {})
    uploaded = {name: releases.get(name, {}).get(version) for name, version in pins.items()}
    known = {name: dt.date.fromisoformat(day) for name, day in uploaded.items() if day}
    as_of = _snapshot_day(snapshot)
    newest = max(known.items(), key=lambda item: (item[1], item[0]), default=None)
    return {
        "not_looked_up": sorted(set(pins) - looked_up),
        "no_date": sorted(name for name, day in uploaded.items() if not day),
        "newest": newest,
        "after_snapshot": sorted(name for name, day in known.items() if as_of is None or day > as_of),
    }


def stale_acceptance(snapshot: dict[str, Any], today: dt.date, path: Path = STALE_ACCEPTED) -> tuple[bool, str]:
    """(in force, what to say) for ``security/stale-snapshot.json``: it names the snapshot date it accepts, the
    day it was written, the last day it holds (at most 31 days later) and why no newer snapshot could be had."""
    if not path.exists():
        return False, ""
    try:
        accepted = json.loads(path.read_text(encoding="utf-8"))
        written = dt.date.fromisoformat(accepted["written"])
        until = dt.date.fromisoformat(accepted["accepted_until"])
        for_snapshot, reason = accepted["snapshot_as_of"], accepted["reason"].strip()
    except (OSError, ValueError, KeyError, AttributeError) as error:
        return False, f"{path.name} cannot be used ({error!r}): it accepts nothing"
    if not reason:
        return False, f"{path.name} gives no reason: it accepts nothing"
    if for_snapshot != snapshot.get("as_of"):
        return False, f"{path.name} accepted the snapshot of {for_snapshot}, not this one: it accepts nothing"
    if until - written > MAX_ACCEPTANCE:
        return False, f"{path.name} accepts {(until - written).days} days; at most {MAX_ACCEPTANCE.days}: nothing"
    if today > until:
        return False, f"{path.name} accepted this snapshot until {until}, which has passed"
    return True, f"accepted until {until} by {path.name} (written {written}): {reason}"


def online_findings(lock: Path) -> tuple[list[str], list[str]]:
    """pip-audit's vulnerabilities and the packages it could not look up."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        subprocess.run(
            [sys.executable, "-m", "pip_audit", "-r", str(lock), "--disable-pip", "--no-deps", "--format", "json",
             "--output", str(report), "--progress-spinner", "off"],
            check=False, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if not report.exists():
            return [], sorted(locked(lock))
        data = json.loads(report.read_text(encoding="utf-8"))
    findings, skipped = [], []
    for dependency in data.get("dependencies", []):
        if dependency.get("skip_reason"):
            skipped.append(dependency["name"])
        for vulnerability in dependency.get("vulns", []):
            fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version"
            findings.append(
                f"{dependency['name']} {dependency.get('version')}: {vulnerability['id']}, fixed in {fixed} [pip-audit]"
            )
    return findings, skipped


def build_snapshot(database: Path, pins: dict[str, str], source: str = PYPA) -> dict[str, Any]:
    """The advisories of the locked packages from a checkout of pypa/advisory-database (or a mirror of it)."""
    import yaml  # only the maintainer refreshing the snapshot needs it

    advisories: dict[str, list[dict[str, Any]]] = {}
    for folder in sorted((database / "vulns").iterdir()):
        name = canonicalize_name(folder.name)
        if name not in pins:
            continue
        for path in sorted(folder.glob("*.yaml")):
            entry = yaml.safe_load(path.read_text(encoding="utf-8"))
            if entry.get("withdrawn"):
                continue
            for affected_package in entry.get("affected", []):
                if canonicalize_name(affected_package["package"]["name"]) != name:
                    continue
                ranges = [r["events"] for r in affected_package.get("ranges", []) if r.get("type") == "ECOSYSTEM"]
                fixed = sorted({str(e["fixed"]) for events in ranges for e in events if "fixed" in e})
                advisories.setdefault(name, []).append(
                    {
                        "id": entry["id"],
                        "aliases": entry.get("aliases", []),
                        "ranges": [[{k: str(v) for k, v in e.items()} for e in events] for events in ranges],
                        "versions": [str(v) for v in affected_package.get("versions", [])],
                        "fixed": fixed,
                    }
                )
    return {
        "source": source,
        "packages": sorted(pins),
        "advisories": advisories,
    }


def release_dates(pins: dict[str, str], fetch: Any = None) -> dict[str, dict[str, str]]:
    """name → {version: the day its first file was uploaded to PyPI}, from PyPI's JSON API (one request each)."""
    fetch = fetch or _pypi_json
    result: dict[str, dict[str, str]] = {}
    for name, version in sorted(pins.items()):
        files = fetch(name).get("releases", {}).get(version) or []
        days = sorted(str(item.get("upload_time_iso_8601") or item.get("upload_time") or "")[:10] for item in files)
        if days and days[0]:
            result.setdefault(name, {})[version] = days[0]
    return result


def _pypi_json(name: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60) as response:
        return json.load(response)


def _snapshot_day(snapshot: dict[str, Any]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(snapshot.get("as_of"))[:10])
    except ValueError:
        return None


def _database_commit(database: Path) -> tuple[str, str]:
    """(commit, ISO date) of a git checkout of the database, or ("", "") when it is not one."""
    done = subprocess.run(
        ["git", "-C", str(database), "log", "-1", "--format=%H %cI"], check=False, capture_output=True, text=True
    )
    parts = done.stdout.split()
    return (parts[0], parts[1][:10]) if done.returncode == 0 and len(parts) == 2 else ("", "")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locks", type=Path, nargs="+")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--release-dates", type=Path, default=RELEASE_DATES)
    parser.add_argument("--stale-accepted", type=Path, default=STALE_ACCEPTED)
    parser.add_argument("--snapshot-from", type=Path, help="a checkout of pypa/advisory-database to rebuild from")
    parser.add_argument("--snapshot-date", help="the database's last commit date (read from git when a checkout)")
    parser.add_argument("--snapshot-commit", help="the database's commit (read from git when a checkout)")
    parser.add_argument("--snapshot-source", default=PYPA, help="where the checkout came from (a mirror's address)")
    parser.add_argument("--record-release-dates", action="store_true", help="ask PyPI when each pin was uploaded")
    parser.add_argument("--offline", action="store_true", help="check the snapshot only, no pip-audit")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.datetime.now(dt.UTC).date())
    args = parser.parse_args(argv)
    try:
        per_lock = {lock: locked(lock) for lock in args.locks}
    except OSError as error:
        print(f"audit: cannot read {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    every_pin = {name: version for pins in per_lock.values() for name, version in pins.items()}
    if args.snapshot_from:
        data = build_snapshot(args.snapshot_from, every_pin, args.snapshot_source)
        commit, day = _database_commit(args.snapshot_from)
        data["as_of"], data["commit"] = args.snapshot_date or day or "unknown", args.snapshot_commit or commit
        _write_json(args.snapshot, data)
        count = sum(len(entries) for entries in data["advisories"].values())
        print(f"snapshot of {data['as_of']} ({data['commit'] or 'commit unknown'}): {count} advisories for "
              f"{len(data['advisories'])} of the {len(every_pin)} locked packages → {args.snapshot}")  # fmt: skip
        return 0
    if args.record_release_dates:
        releases: dict[str, dict[str, str]] = {}
        for pins in per_lock.values():
            for name, versions in release_dates(pins).items():
                releases.setdefault(name, {}).update(versions)
        _write_json(args.release_dates, {"source": "https://pypi.org/pypi/<name>/json", "releases": releases})
        print(f"release dates of {sum(len(v) for v in releases.values())} pinned releases → {args.release_dates}")
        return 0
    try:
        snapshot = json.loads(args.snapshot.read_text(encoding="utf-8"))
        dates = json.loads(args.release_dates.read_text(encoding="utf-8")) if args.release_dates.exists() else {}
    except (OSError, ValueError) as error:
        print(f"audit: cannot read the snapshot or the release dates: {error}", file=sys.stderr)
        return 2
    return _audit(args, per_lock, snapshot, dates)


def _audit(args: argparse.Namespace, per_lock: dict[Path, dict[str, str]], snapshot: dict, dates: dict) -> int:
    count = sum(len(entries) for entries in snapshot["advisories"].values())
    commit = f" (commit {snapshot['commit'][:12]})" if snapshot.get("commit") else ""
    source = snapshot.get("source") or PYPA
    mirror = "" if source == PYPA else f" through the mirror {source}"
    print(f"audit: snapshot of the PyPA advisory database{mirror} of {snapshot.get('as_of')}{commit}: {count} "
          f"advisories for {len(snapshot.get('packages') or snapshot['advisories'])} packages looked up")  # fmt: skip
    findings: list[str] = []
    gaps: list[str] = []
    stale: list[str] = []
    for lock, pins in per_lock.items():
        findings += [f"{lock.name}: {finding}" for finding in snapshot_findings(pins, snapshot)]
        seen = coverage(pins, snapshot, dates)
        looked = len(pins) - len(seen["not_looked_up"])
        print(f"audit: {lock.name}: {len(pins)} pins, {looked} looked up in the snapshot", end="")
        if seen["newest"]:
            name, day = seen["newest"]
            print(f"; newest release {name} {pins[name]} of {day}", end="")
        print(f"; {len(seen['after_snapshot'])} released after the snapshot")
        if seen["not_looked_up"]:
            gaps.append(f"{lock.name}: not looked up in the snapshot: {', '.join(seen['not_looked_up'])} — rebuild it")
        if seen["no_date"]:
            gaps.append(f"{lock.name}: no release date recorded for {', '.join(seen['no_date'])} — run "
                        "--record-release-dates")  # fmt: skip
        if seen["after_snapshot"]:
            stale.append(
                f"{lock.name}: the snapshot of {snapshot.get('as_of')} is older than {len(seen['after_snapshot'])} "
                f"pinned releases (newest {seen['newest'][0]} of {seen['newest'][1]}); advisories published after "
                "it are not covered"
            )
        if not args.offline:
            online, skipped = online_findings(lock)
            findings += [f"{lock.name}: {finding}" for finding in online]
            print(f"audit: {lock.name}: pip-audit online looked up {len(pins) - len(skipped)} of {len(pins)} pins"
                  + (" (PyPI's vulnerability data did not answer for the rest)" if skipped else ""))  # fmt: skip
    for finding in findings:
        print(f"VULNERABLE {finding}")
    for gap in gaps:
        print(f"NOT COVERED {gap}")
    accepted, said = stale_acceptance(snapshot, args.today, args.stale_accepted) if stale else (False, "")
    for line in stale:
        print(f"STALE {line}")
    if said:
        print(f"audit: the stale snapshot is {said}" if accepted else f"audit: {said}")
    if findings:
        print("audit: raise the pins above to a fixed version (pyproject.toml, then regenerate the locks)")
    if findings or gaps or (stale and not accepted):
        if stale and not accepted:
            print("audit: rebuild security/advisories.json from a current pypa/advisory-database (README)")
        return 1
    if stale:
        print(f"audit: no known vulnerability in the locked sets as of {snapshot.get('as_of')} — a stale snapshot, "
              "accepted for now (above)")  # fmt: skip
    else:
        print(f"audit: no known vulnerability in the locked sets; the snapshot of {snapshot.get('as_of')} is newer "
              "than every pinned release")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
