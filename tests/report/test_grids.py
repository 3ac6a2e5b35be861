"""Police grid outputs: layers in three formats with Chinese text, the map, and
cells read back from every source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from shapely.geometry import box

from dispatch import InputError
from dispatch.plan import GridParams, GridPlan, SolveParams, police_grids, read_cells
from dispatch.report.gridfiles import write_grids
from dispatch.report.gridmap import grid_colours, grid_map, write_grid_map
from dispatch.report.gridtables import grid_comparison_table, grid_parts_table, grid_summary, grid_table

SIDE = 1_000.0
NAMES = ["石滩村", "白龙村", "青坪社区", "马溪村", "云口村", "金岭村"]


def cells() -> list[dict]:
    return [
        {
            "id": f"c{k}",
            "name": NAMES[k],
            "station": "卓水" if k < 4 else "水市",
            "officer": f"警员{k}",
            "population": 100 * (k + 1),
            "calls": [4.0, 6.0, 5.0, 5.0, 3.0, 3.0][k],
            "geometry": box((k % 3) * SIDE, (k // 3) * SIDE, (k % 3 + 1) * SIDE, (k // 3 + 1) * SIDE),
        }
        for k in range(6)
    ]


@pytest.fixture(scope="module")
def plan() -> GridPlan:
    return police_grids(cells(), n_grids=3, nest="station", balance=0.5)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_the_grids_are_written_as_dissolved_polygons_with_chinese_text(
    plan: GridPlan, tmp_path: Path, suffix: str
) -> None:
    path = write_grids(plan, tmp_path / f"grids{suffix}")
    meta, _, geometry, values = pyogrio.raw.read(path)
    fields = dict(zip(meta["fields"], values))
    assert sorted(fields["grid"]) == sorted(g.id for g in plan.grids)
    by_grid = {g.id: g for g in plan.grids}
    for k, grid in enumerate(fields["grid"]):
        assert fields["workload"][k] == pytest.approx(by_grid[grid].workload)
        assert fields["population"][k] == pytest.approx(by_grid[grid].population)
        assert fields["name"][k] == NAMES[int(fields["centre"][k][1:])]
        assert fields["officer"][k] == f"警员{fields['centre'][k][1:]}"
        assert shapely.from_wkb(geometry[k]).area == pytest.approx(len(by_grid[grid].cells) * SIDE**2)
    assert set(fields["nest"]) == {"卓水", "水市"}
    if suffix == ".shp":
        assert (tmp_path / "grids.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left behind


def test_an_unknown_format_is_refused_and_nothing_written(plan: GridPlan, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"grids.kml.*\.geojson, \.json, \.gpkg, \.shp"):
        write_grids(plan, tmp_path / "grids.kml")
    assert list(tmp_path.iterdir()) == []


def test_the_map_colours_touching_grids_apart_and_draws(plan: GridPlan, tmp_path: Path) -> None:
    colours = grid_colours(plan)
    polygons = plan.polygons()
    for a, b in [(a, b) for a in polygons for b in polygons if a < b]:
        if polygons[a].intersects(polygons[b]):
            assert colours[a] != colours[b]
    figure = grid_map(plan, label="grid")
    figure.savefig(tmp_path / "map.png", dpi=60)
    assert (tmp_path / "map.png").stat().st_size > 5_000
    assert grid_map(plan, label="name", language="zh").axes[0].get_title() == "6 个网格划为 3 个警格"


def label_boxes(figure) -> list:
    """Each text label drawn on the map's axes with its box in data coordinates."""
    ax = figure.axes[0]
    renderer = figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    found = []
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        corners = to_data.transform([[box.x0, box.y0], [box.x1, box.y1]])
        found.append((text.get_text(), box, shapely.box(*corners[0], *corners[1])))
    return found


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_map_has_km_axes_a_scale_bar_and_names_every_grid_with_room(plan: GridPlan, language: str) -> None:
    figure = grid_map(plan, language=language)
    assert figure.axes[0].get_xlabel() == ("东西 (公里)" if language == "zh" else "west-east (km)")
    texts = [t for t, _, _ in label_boxes(figure)]
    assert {"卓水", "水市", "1", "2"} <= set(texts)  # room for every nest and grid
    assert any(t.endswith("公里" if language == "zh" else "km") for t in texts)  # the scale bar


def test_a_crowded_map_labels_only_the_grids_whose_label_fits_inside_them() -> None:
    row = [{"id": f"c{k:02d}", "geometry": box(k * SIDE, 0, (k + 1) * SIDE, 2 * SIDE), "calls": 1} for k in range(40)]
    row.append({"id": "c40", "geometry": box(40 * SIDE, 0, 60 * SIDE, 2 * SIDE), "calls": 1})  # one wide cell
    crowded = police_grids(row, n_grids=41, balance=None)  # a grid a cell
    polygons = crowded.polygons()
    labels = [(t, area) for t, _, area in label_boxes(grid_map(crowded)) if t in polygons]
    assert [t for t, _ in labels] == ["G41"]  # forty narrow grids have no room for theirs
    assert polygons["G41"].contains(labels[0][1])


def test_the_map_is_written_whole_as_png(plan: GridPlan, tmp_path: Path) -> None:
    path = write_grid_map(plan, tmp_path / "警格.png", title="卓水、水市警格", language="zh")
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["警格.png"]  # no staging left behind


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_grid_tables_speak_the_language_asked(plan: GridPlan, language: str) -> None:
    kept = police_grids(cells(), GridParams(n_grids=3, nest="station", balance=0.5, current="station"))
    tables = [grid_table(plan, language), grid_parts_table(plan, language)]
    assert kept.comparison is not None
    tables.append(grid_comparison_table(kept.comparison, language))
    text = "\n".join(str(t) for t in tables) + grid_summary(plan, language)
    if language == "zh":
        assert [t.title for t in tables] == ["警格", "分片求解", "现有与规划警格对比"]
        assert "最优" in text and "调整归属的网格" in text and "6 个网格划为 3 个警格" in text
    else:
        assert [t.title for t in tables] == ["Police grids", "Parts solved", "Current and planned police grids"]
        assert text == "\n".join(str(t) for t in (plan.table(), plan.parts_table(), kept.comparison.table())) + (
            plan.summary()
        )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh", ["启发式*", "直接求得", "可行", "采用启发式结果（表中标 *）：卓水"]),
        ("en", ["heuristic*", "direct", "feasible", "1 part(s) from the heuristic"]),
    ],
)
def test_parts_from_the_heuristic_for_want_of_time_are_marked_in_the_language_asked(
    language: str, words: list[str]
) -> None:
    hurried = police_grids(cells(), n_grids=4, nest="station", balance=0.5, options=SolveParams(time_limit=0.001))
    assert hurried.fallbacks == ("卓水",)  # 水市 has a grid a cell: nothing to search
    text = str(grid_parts_table(hurried, language)) + grid_summary(hurried, language)
    assert all(w in text for w in words)
    if language == "zh":
        assert not re.search("heuristic|feasible|optimal", text)


def test_cells_read_the_same_from_every_source(tmp_path: Path) -> None:
    import geopandas

    records = cells()
    frame = geopandas.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in records],
        geometry=[r["geometry"] for r in records],
        crs="EPSG:32649",
    )
    gbk = tmp_path / "cells_gbk.shp"
    pyogrio.raw.write(
        gbk,
        shapely.to_wkb([r["geometry"] for r in records]),
        field_data=[np.array([r[k] for r in records]) for k in ("id", "name", "station", "calls")],
        fields=["id", "name", "station", "calls"],
        geometry_type="Polygon",
        crs="EPSG:32649",
        driver="ESRI Shapefile",
        encoding="GBK",
    )
    geojson = tmp_path / "cells.geojson"
    frame.to_file(geojson, driver="GeoJSON")
    gpkg = tmp_path / "cells.gpkg"
    frame.to_file(gpkg, driver="GPKG")
    for source in (records, frame, geojson, gpkg, gbk):
        layer = read_cells(source, crs="EPSG:32649")
        assert layer.ids == tuple(r["id"] for r in records)
        assert layer.labels("name").tolist() == NAMES
        assert layer.numbers("calls").tolist() == [r["calls"] for r in records]
        assert [g.area for g in layer.geometry] == pytest.approx([SIDE**2] * 6)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # not JSON at all
        ("{not json", "is not valid GeoJSON"),
        # JSON but no features
        (json.dumps({"type": "Feature"}), "must hold a GeoJSON FeatureCollection"),
    ],
)
def test_a_broken_cell_file_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cells.geojson"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_cells(path)


def test_a_missing_cell_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cells.gpkg' does not exist"):
        read_cells(tmp_path / "cells.gpkg")
