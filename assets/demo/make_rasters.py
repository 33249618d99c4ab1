#!/usr/bin/env python3
"""Makes the demo workspace's small satellite layers (synthetic, for the demo project only):
Sentinel-2-like NDVI (Float32, with a cloud of nodata and a bare patch), ESA-WorldCover-like
land cover (Byte; 10 tree, 30 grassland, 40 cropland) and a Hansen-GFC-like forest-loss year
(Byte; 0 none, N = 2000 + N). Each is written as an ESRI ASCII grid and converted with
gdal_translate (EPSG:4326, DEFLATE). Run from the repository root: python3 assets/demo/make_rasters.py
"""
import math, os, subprocess, tempfile

W, H = 300, 240
X0, Y0, CELL = -48.10, -24.04, 0.0015  # upper-left corner, degrees


def centre(col, row):
    return X0 + (col + 0.5) * CELL, Y0 - (row + 0.5) * CELL


def near(lon, lat, plon, plat, r):
    return (lon - plon) ** 2 + (lat - plat) ** 2 < r * r


def ndvi(lon, lat):
    if near(lon, lat, -47.86, -24.235, 0.012):  # a cloud: no data
        return -9999.0
    if near(lon, lat, -47.776, -24.227, 0.006):  # bare ground: implausible for a planted plot
        return 0.08
    return round(0.62 + 0.18 * math.sin(lon * 40) * math.cos(lat * 35), 4)


def land_cover(lon, lat):
    if near(lon, lat, -47.915, -24.278, 0.008):  # cropland
        return 40
    if lat > -24.12:
        return 30
    return 10


def loss_year(lon, lat):
    if near(lon, lat, -47.8143, -24.2574, 0.005):  # cleared in 2022, after the 2020 baseline
        return 22
    if near(lon, lat, -47.96, -24.165, 0.006):  # cleared in 2015, before it
        return 15
    return 0


def write(name, fn, ot, nodata=None):
    with tempfile.TemporaryDirectory() as tmp:
        asc = os.path.join(tmp, "grid.asc")
        with open(asc, "w") as f:
            f.write(f"ncols {W}\nnrows {H}\nxllcorner {X0}\nyllcorner {Y0 - H * CELL}\ncellsize {CELL}\n")
            if nodata is not None:
                f.write(f"NODATA_value {nodata}\n")
            for row in range(H):
                f.write(" ".join(str(fn(*centre(col, row))) for col in range(W)) + "\n")
        out = os.path.join("assets", "demo", name)
        subprocess.run(["gdal_translate", "-q", "-of", "GTiff", "-ot", ot, "-a_srs", "EPSG:4326",
                        "-co", "COMPRESS=DEFLATE", "-co", "TILED=YES", "-co", "BLOCKXSIZE=128",
                        "-co", "BLOCKYSIZE=128", asc, out], check=True)


write("ndvi-2025-06.tif", ndvi, "Float32", nodata=-9999)
write("worldcover-2021.tif", land_cover, "Byte")
write("forest-loss-year.tif", loss_year, "Byte")
