#!/usr/bin/env python3
"""Writes the enrichment benchmark's inputs: a Sentinel-2-sized raster (10980 x 10980 Float32,
tiled 256 x 256, EPSG:32723, 10 m pixels) and N points inside it, as a tree-plot CSV for
`mrv import` and as "lon lat" lines for gdallocationinfo.

bench/make_tile.py N TILE.tif PLOTS.csv POINTS.txt [FLAGGED.tif]
(run with /usr/bin/python3: needs python3-gdal)

TILE.tif holds plausible NDVI everywhere (0.25 to 0.85: no point raises a flag). FLAGGED.tif,
when asked for, is the same field with cloud gaps (nodata, ~2.4 % of the area) and bare
patches (NDVI 0.08, below the profile's 0.2: ~14 %) — about 15 % of the points raise a flag,
as on the outside check's real raster.
"""
import sys
import numpy as np
from osgeo import gdal, osr

n, tile, plots, points = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
flagged = sys.argv[5] if len(sys.argv) > 5 else None
SIZE, PIXEL = 10980, 10.0
utm = osr.SpatialReference(); utm.ImportFromEPSG(32723)
wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326)
for s in (utm, wgs):
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to_utm = osr.CoordinateTransformation(wgs, utm)
to_wgs = osr.CoordinateTransformation(utm, wgs)
# The tile's upper-left corner: west of lon -48 and north of lat -24 on UTM zone 23S.
x0, _, _ = to_utm.TransformPoint(-48.0, -24.5)
_, y0, _ = to_utm.TransformPoint(-47.5, -24.0)
x0, y0 = float(np.floor(x0 / 1000) * 1000 - 2000), float(np.ceil(y0 / 1000) * 1000 + 1000)

def write_tile(path, with_flags):
    ds = gdal.GetDriverByName("GTiff").Create(path, SIZE, SIZE, 1, gdal.GDT_Float32,
                                               ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"])
    ds.SetGeoTransform((x0, PIXEL, 0, y0, 0, -PIXEL))
    ds.SetProjection(utm.ExportToWkt())
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(-9999)
    cols = np.arange(SIZE, dtype=np.float32)
    for r in range(0, SIZE, 1098):
        rows = np.arange(r, min(r + 1098, SIZE), dtype=np.float32)[:, None]
        ndvi = 0.55 + 0.3 * np.sin(cols / 377.0) * np.cos(rows / 251.0)
        if with_flags:
            ri, ci = rows.astype(np.int64), cols.astype(np.int64)
            ndvi[(ri // 500 + ci // 500) % 7 == 0] = 0.08  # bare patches
            ndvi[(ri // 700 + ci // 900) % 41 == 0] = -9999  # cloud gaps
        band.WriteArray(ndvi.astype(np.float32), 0, r)
    ds = None


write_tile(tile, False)
if flagged:
    write_tile(flagged, True)

rnd = np.random.default_rng(7)
xs = rnd.uniform(x0 + 5, x0 + SIZE * PIXEL - 5, n)
ys = rnd.uniform(y0 - SIZE * PIXEL + 5, y0 - 5, n)
lonlat = np.array(to_wgs.TransformPoints(np.column_stack([xs, ys])))[:, :2]
np.savetxt(points, lonlat, fmt="%.7f")
species = ["Inga edulis", "Cedrela fissilis", "Schinus terebinthifolia", "Euterpe edulis"]
with open(plots, "w") as f:
    f.write("plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n")
    dbh = rnd.uniform(2, 80, n); h = rnd.uniform(1, 40, n); c = rnd.uniform(0, 20, n)
    for i in range(n):
        f.write(f"P{i:08d},2025-{1 + i % 12:02d}-{1 + i % 28:02d},{species[i % 4]},"
                f"{dbh[i]:.1f},{h[i]:.1f},{c[i]:.3f},{lonlat[i, 0]:.7f},{lonlat[i, 1]:.7f}\n")
lo, la = lonlat[:, 0], lonlat[:, 1]
print(f"tile origin ({x0}, {y0}); points lon {lo.min():.4f}..{lo.max():.4f} lat {la.min():.4f}..{la.max():.4f}")
