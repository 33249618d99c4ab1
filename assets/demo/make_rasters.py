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


# The demo basemap: synthetic "imagery" (RGB) of the same area, three times finer, with the
# land-cover classes, the clearings and the cloud in plausible colours and a little texture,
# written as MBTiles of JPEG tiles (zoom levels down to the whole area in one tile).
IMAGERY_SCALE = 3


def imagery(lon, lat):
    grain = (math.sin(lon * 2300) * math.cos(lat * 1900) + math.sin((lon + lat) * 5100) * 0.5
             + 1.6 * math.sin(lon * 170 + math.cos(lat * 130) * 2) * math.cos(lat * 150))
    if near(lon, lat, -47.86, -24.235, 0.012):  # the cloud
        return (236 + 6 * grain, 238 + 6 * grain, 240 + 6 * grain)
    if near(lon, lat, -47.8143, -24.2574, 0.005) or near(lon, lat, -47.96, -24.165, 0.006):
        return (150 + 12 * grain, 118 + 10 * grain, 84 + 8 * grain)  # cleared ground
    if near(lon, lat, -47.776, -24.227, 0.006):
        return (176 + 10 * grain, 150 + 10 * grain, 112 + 8 * grain)  # bare patch
    if near(lon, lat, -47.915, -24.278, 0.008):
        return (168 + 14 * grain, 170 + 12 * grain, 96 + 10 * grain)  # cropland
    if lat > -24.12:
        return (128 + 14 * grain, 158 + 12 * grain, 82 + 10 * grain)  # grassland
    return (38 + 12 * grain, 84 + 14 * grain, 46 + 10 * grain)  # forest


def write_imagery(name):
    w, h, cell = W * IMAGERY_SCALE, H * IMAGERY_SCALE, CELL / IMAGERY_SCALE
    with tempfile.TemporaryDirectory() as tmp:
        bands = []
        for b in range(3):
            asc = os.path.join(tmp, f"band{b}.asc")
            with open(asc, "w") as f:
                f.write(f"ncols {w}\nnrows {h}\nxllcorner {X0}\nyllcorner {Y0 - h * cell}\ncellsize {cell}\n")
                for row in range(h):
                    lat = Y0 - (row + 0.5) * cell
                    f.write(" ".join(str(max(0, min(255, round(imagery(X0 + (col + 0.5) * cell, lat)[b]))))
                                     for col in range(w)) + "\n")
            bands.append(asc)
        vrt = os.path.join(tmp, "rgb.vrt")
        subprocess.run(["gdalbuildvrt", "-q", "-separate", "-a_srs", "EPSG:4326", vrt, *bands], check=True)
        out = os.path.join("assets", "demo", name)
        if os.path.exists(out):
            os.remove(out)
        subprocess.run(["gdal_translate", "-q", "-of", "MBTiles", "-ot", "Byte", "-co", "TILE_FORMAT=JPEG",
                        "-co", "QUALITY=80", "-co", "ZOOM_LEVEL_STRATEGY=UPPER", "-co", "NAME=Demo imagery (synthetic)", vrt, out], check=True)
        subprocess.run(["gdaladdo", "-q", "-r", "average", out, "2", "4", "8", "16"], check=True)


write_imagery("imagery.mbtiles")
