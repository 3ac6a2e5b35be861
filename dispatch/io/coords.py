"""Coordinate systems: EPSG codes, CGCS2000 and its Gauss-Krüger zones, and the
GCJ-02 (Amap, Tencent) and BD-09 (Baidu) offsets of Chinese web maps.

GCJ-02 and BD-09 are not CRSs but obfuscated offsets of WGS-84 longitude and
latitude inside China; :func:`to_wgs84` undoes them with an iterative inverse
accurate to 1e-9 degrees. Everything else goes through pyproj (the ``files``
extra). A longitude/latitude road network gets a metric CRS of its own
(:func:`metric_crs`): the CGCS2000 3-degree Gauss-Krüger zone inside China, UTM
elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError

__all__ = ["LayerCrs", "from_wgs84", "is_lonlat", "metric_crs", "parse_crs", "to_wgs84", "transform"]

Offset = Literal["GCJ-02", "BD-09"]

_NAMES: dict[str, tuple[str, Offset | None]] = {
    "wgs84": ("EPSG:4326", None),
    "wgs-84": ("EPSG:4326", None),
    "wgs 84": ("EPSG:4326", None),
    "cgcs2000": ("EPSG:4490", None),
    "cgcs-2000": ("EPSG:4490", None),
    "gcj-02": ("EPSG:4326", "GCJ-02"),
    "gcj02": ("EPSG:4326", "GCJ-02"),
    "gcj": ("EPSG:4326", "GCJ-02"),
    "火星坐标": ("EPSG:4326", "GCJ-02"),
    "高德": ("EPSG:4326", "GCJ-02"),
    "bd-09": ("EPSG:4326", "BD-09"),
    "bd09": ("EPSG:4326", "BD-09"),
    "bd09ll": ("EPSG:4326", "BD-09"),
    "百度": ("EPSG:4326", "BD-09"),
}
"""Names people give coordinate systems, beyond what pyproj reads."""

# The GCJ-02 formula's constants (Krasovsky 1940 ellipsoid).
_A = 6_378_245.0
_EE = 0.00669342162296594323
_BD_PI = math.pi * 3000.0 / 180.0


def _pyproj() -> Any:
    try:
        import pyproj
    except ImportError as error:
        raise ImportError("coordinate systems need pyproj: pip install 'central-dispatch[files]'") from error
    return pyproj


@dataclass(frozen=True)
class LayerCrs:
    """A layer's coordinates: ``crs`` (an authority string such as ``EPSG:4326``;
    ``None`` for the road network's own), after undoing ``offset`` if any.
    ``label`` is what the user wrote, for messages."""

    crs: str | None
    offset: Offset | None = None
    label: str = ""

    def __str__(self) -> str:
        return self.label or self.crs or "the road network's CRS"


def parse_crs(value: str | int | None, source: str = "crs") -> LayerCrs:
    """Read a ``crs:`` setting: an EPSG code (``4326``, ``"EPSG:4545"``),
    ``CGCS2000``, ``WGS84``, ``GCJ-02``, ``BD-09`` or anything pyproj reads.

    Examples
    --------
    >>> parse_crs(4490)
    LayerCrs(crs='EPSG:4490', offset=None, label='EPSG:4490')
    >>> parse_crs("GCJ-02").offset
    'GCJ-02'
    """
    if value is None:
        return LayerCrs(None)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(f"{source}: a CRS is an EPSG code or a name, not {value!r}")
    text = str(value).strip()
    known = _NAMES.get(text.lower())
    if known is not None:
        return LayerCrs(known[0], known[1], text)
    if text.isdigit():
        text = f"EPSG:{text}"
    pyproj = _pyproj()
    try:
        crs = pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise InputError(
            f"{source}: unknown CRS {str(value)!r}; give an EPSG code (4326, 4490, 4545 ...), "
            "CGCS2000, WGS84, GCJ-02 or BD-09"
        ) from None
    authority = crs.to_authority()
    return LayerCrs(":".join(authority) if authority else crs.to_wkt(), None, text)


def is_lonlat(crs: str | None) -> bool:
    """Whether ``crs`` measures longitude/latitude degrees (``None``: no)."""
    return crs is not None and bool(_pyproj().CRS.from_user_input(crs).is_geographic)


def metric_crs(lon: float, lat: float) -> str:
    """A metric CRS for a network around ``(lon, lat)``: the CGCS2000 3-degree
    Gauss-Krüger zone in China, else the UTM zone.

    Examples
    --------
    >>> metric_crs(108.77, 29.53)  # Qianjiang, Chongqing
    'EPSG:4545'
    >>> metric_crs(26.9, 60.9)  # Kouvola, Finland
    'EPSG:32635'
    """
    if 73.5 <= lon <= 135.5 and 3.0 <= lat <= 54.0:
        return f"EPSG:{4534 + round((lon - 75.0) / 3.0)}"
    zone = min(60, int((lon + 180.0) // 6.0) + 1)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


# ---------------------------------------------------------------- GCJ-02, BD-09


def _outside_china(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _wgs_to_gcj(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[Any], NDArray[Any]]:
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad) ** 2
    d_lat = d_lat * 180.0 / ((_A * (1.0 - _EE)) / (magic * np.sqrt(magic)) * np.pi)
    d_lon = d_lon * 180.0 / (_A / np.sqrt(magic) * np.cos(rad) * np.pi)
    keep = _outside_china(lon, lat)
    return np.where(keep, lon, lon + d_lon), np.where(keep, lat, lat + d_lat)


def _gcj_to_bd(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[Any], NDArray[Any]]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _forward(lon: NDArray[np.float64], lat: NDArray[np.float64], offset: Offset) -> tuple[NDArray[Any], NDArray[Any]]:
    lon, lat = _wgs_to_gcj(lon, lat)
    return _gcj_to_bd(lon, lat) if offset == "BD-09" else (lon, lat)


def from_wgs84(lon: ArrayLike, lat: ArrayLike, offset: Offset) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS-84 longitudes and latitudes as GCJ-02 or BD-09 (the published formulas).

    Examples
    --------
    >>> lon, lat = from_wgs84([105.0], [35.0], "GCJ-02")
    >>> round(float(lon[0]), 6), round(float(lat[0]), 6)
    (105.003286, 34.999099)
    """
    return _forward(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64), offset)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, offset: Offset) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """GCJ-02 or BD-09 longitudes and latitudes back to WGS-84, by iterating the
    forward formula to within 1e-9 degrees.

    Examples
    --------
    >>> lon, lat = to_wgs84(*from_wgs84([105.0], [35.0], "BD-09"), "BD-09")
    >>> float(abs(lon[0] - 105.0)) < 1e-9, float(abs(lat[0] - 35.0)) < 1e-9
    (True, True)
    """
    target_lon, target_lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    guess_lon, guess_lat = target_lon.copy(), target_lat.copy()
    for _ in range(30):
        at_lon, at_lat = _forward(guess_lon, guess_lat, offset)
        error_lon, error_lat = target_lon - at_lon, target_lat - at_lat
        guess_lon, guess_lat = guess_lon + error_lon, guess_lat + error_lat
        if max(np.abs(error_lon).max(initial=0.0), np.abs(error_lat).max(initial=0.0)) < 1e-11:
            break
    return guess_lon, guess_lat


# ---------------------------------------------------------------- transforms


def transform(xy: ArrayLike, source: LayerCrs, target: str | None, *, where: str = "layer") -> NDArray[np.float64]:
    """``xy`` (shape ``(n, 2)``) from ``source`` to the CRS ``target``.

    A layer without a CRS is taken to be in ``target`` already; longitudes and
    latitudes out of range are refused, naming ``where``.
    """
    points = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if source.crs is None or (source.offset is None and source.crs == target):
        return points
    pyproj = _pyproj()
    if pyproj.CRS.from_user_input(source.crs).is_geographic:
        _check_lonlat(points, source, where)
    if source.offset is not None:
        points = np.column_stack(to_wgs84(points[:, 0], points[:, 1], source.offset))
    if target is None:
        raise InputError(
            f"{where} is in {source}, but the road network has no CRS; give the roads a crs: "
            "(or give the layer coordinates in the road network's own units)"
        )
    if source.crs == target:
        return points
    x, y = _transformer(source.crs, target).transform(points[:, 0], points[:, 1])
    return np.column_stack([x, y])


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Any:
    """A pyproj transformer, made once per pair (making one takes about 0.1 s)."""
    return _pyproj().Transformer.from_crs(source, target, always_xy=True)


def _check_lonlat(points: NDArray[np.float64], source: LayerCrs, where: str) -> None:
    lon, lat = points[:, 0], points[:, 1]
    bad = np.flatnonzero((np.abs(lat) > 90) | (np.abs(lon) > 180))
    if not len(bad):
        return
    swapped = bool(np.all((np.abs(lon[bad]) <= 90) & (np.abs(lat[bad]) <= 180)))
    hint = (
        "longitude and latitude look swapped: check which column is which"
        if swapped
        else "these are not longitude/latitude degrees: give the layer's real CRS with crs:"
    )
    first = ", ".join(f"({lon[i]:g}, {lat[i]:g})" for i in bad[:3])
    raise InputError(f"{where}: {len(bad)} point(s) such as {first} are out of range for {source}; {hint}")
