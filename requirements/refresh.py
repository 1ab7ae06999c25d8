"""Writes requirements/oldest.txt and requirements/latest.txt, the two pinned sets the tests run on.

    python requirements/refresh.py          # resolve both sets anew with pip and rewrite the files
    python requirements/refresh.py --check  # offline: do oldest.txt's pins still equal pyproject's floors?

oldest.txt: every dependency that pyproject.toml declares (the base dependencies and every extra) at its
declared floor, the `>=` or `==` version of its specifier, and the transitive dependencies at what pip
resolves with those floors. latest.txt: what `pip install -e ".[dev]"` resolves to today. Both are
resolved by the pip of the Python that runs this script (`pip install --dry-run --report`, nothing is
installed), for that Python and platform: CI's is CPython 3.11 on Linux x86_64.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib
try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version
except ImportError:  # a bare venv: pip's own copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name
    from pip._vendor.packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
OLDEST = ROOT / "requirements" / "oldest.txt"
LATEST = ROOT / "requirements" / "latest.txt"
REFRESH = "make requirements (python requirements/refresh.py), then commit both files"


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = [project.get("dependencies", []), *project.get("optional-dependencies", {}).values()]
    return [Requirement(line) for group in groups for line in group]


def floors() -> dict[str, str]:
    """Each declared distribution's floor, by canonical name; one floor per name across the extras."""
    found: dict[str, str] = {}
    for req in declared():
        lower = [spec.version for spec in req.specifier if spec.operator in (">=", "==", "~=")]
        if len(lower) != 1:
            sys.exit(f"pyproject.toml: {req} has no single floor (>=, == or ~=)")
        name = canonicalize_name(req.name)
        if found.setdefault(name, lower[0]) != lower[0]:
            sys.exit(f"pyproject.toml: {req.name} has two floors, {found[name]} and {lower[0]}")
    return found


def resolve(constraints: dict[str, str] | None) -> dict[str, str]:
    """{name: version} of everything `pip install -e .[dev]` would install, under the constraints."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
        command += ["--report", f"{tmp}/report.json"]
        if constraints is not None:
            # Constraints cannot carry extras: psycopg==3.1.4 pins psycopg, and its `binary` extra then
            # pins psycopg-binary to the same version.
            Path(tmp, "floors.txt").write_text("".join(f"{n}=={v}\n" for n, v in constraints.items()))
            command += ["-c", f"{tmp}/floors.txt"]
        subprocess.run([*command, "-e", f"{ROOT}[dev]"], check=True)
        report = json.loads(Path(tmp, "report.json").read_text())
    pins = {}
    for item in report["install"]:
        name, version = item["metadata"]["name"], item["metadata"]["version"]
        if canonicalize_name(name) != "litellm-instrumentation":
            pins[name] = version
    return pins


def write(path: Path, header: str, pins: dict[str, str]) -> None:
    direct = {canonicalize_name(req.name) for req in declared()}
    lines = [*(f"# {line}".rstrip() for line in header.strip().splitlines()), ""]
    for title, chosen in (("direct", True), ("transitive", False)):
        names = sorted((n for n in pins if (canonicalize_name(n) in direct) == chosen), key=str.lower)
        lines.append(f"# {title} dependencies")
        lines += [f"{name}=={pins[name]}" for name in names]
        lines.append("")
    path.write_text("\n".join(lines))
    print(f"{path.relative_to(ROOT)}: {len(pins)} pins")


def pinned(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name.strip())] = version.strip()
    return pins


def check() -> int:
    """0 when oldest.txt pins every declared distribution at its floor, else 1 with what differs."""
    pins = pinned(OLDEST)
    wrong = [
        f"  {name}: floor {floor}, pinned {pins.get(name, 'nothing')}"
        for name, floor in floors().items()
        if name not in pins or Version(pins[name]) != Version(floor)  # 1.108 is 1.108.0
    ]
    if wrong:
        print(f"{OLDEST.relative_to(ROOT)} does not pin pyproject.toml's floors:", *wrong, sep="\n")
        print(f"Refresh it: {REFRESH}.")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check oldest.txt against pyproject.toml")
    if parser.parse_args().check:
        return check()
    where = f"CPython {platform.python_version()} on {platform.system()} {platform.machine()}"
    today = datetime.date.today().isoformat()
    floor_pins = floors()
    write(
        OLDEST,
        f"""
The OLDEST set: every dependency that pyproject.toml declares, pinned at its declared floor, and the
transitive dependencies at what pip resolved with those floors.
Resolved on {today} for {where}.
`make test-oldest` installs it into .venv-oldest (pip install -c requirements/oldest.txt -e ".[dev]")
and runs the suite; CI runs it after the latest set. Generated: do not edit by hand.
Refresh (after changing a floor in pyproject.toml; `make test-oldest` refuses a stale file):
  {REFRESH}.
""",
        resolve(floor_pins),
    )
    write(
        LATEST,
        f"""
The LATEST set: the newest versions pip resolved for pyproject.toml's dev extra, every package pinned.
Resolved on {today} for {where}.
`make test` installs .venv with it as constraints (pip install -c requirements/latest.txt -e ".[dev]"),
so a fresh machine and CI get this exact set; CI runs the suite on it, then on requirements/oldest.txt.
Generated: do not edit by hand.
Refresh (to pick up new releases; then run make test):
  {REFRESH}.
""",
        resolve(None),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
