"""Readers and writers: district layers from any common file (CSV, XLSX, GeoJSON,
shapefiles, GeoPackages), 110 call exports, road files and district folders."""

from .coords import parse_crs as parse_crs
from .folder import district_from_files as district_from_files
from .folder import read_district as read_district
from .folder import write_district as write_district
from .geojson import read_areas as read_areas
from .geojson import read_boundary as read_boundary
from .geojson import read_partners as read_partners
from .geojson import read_stations as read_stations
from .geojson import read_villages as read_villages
from .geojson import write_areas as write_areas
from .geojson import write_boundary as write_boundary
from .geojson import write_partners as write_partners
from .geojson import write_stations as write_stations
from .geojson import write_villages as write_villages
from .incidents import Calls as Calls
from .incidents import read_calls as read_calls
from .layers import Layer as Layer
from .layers import LayerSource as LayerSource
from .layers import read_layer as read_layer
from .roads import read_osm_pbf as read_osm_pbf
from .roads import read_road_lines as read_road_lines
from .roads import read_roads as read_roads
from .roads import write_roads as write_roads

__all__ = [
    "Calls",
    "Layer",
    "LayerSource",
    "district_from_files",
    "parse_crs",
    "read_areas",
    "read_boundary",
    "read_calls",
    "read_district",
    "read_layer",
    "read_osm_pbf",
    "read_partners",
    "read_road_lines",
    "read_roads",
    "read_stations",
    "read_villages",
    "write_areas",
    "write_boundary",
    "write_district",
    "write_partners",
    "write_roads",
    "write_stations",
    "write_villages",
]
