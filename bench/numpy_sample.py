#!/usr/bin/env python3
"""The numpy peer of the enrichment benchmark: read the band, transform the points with OSR,
fancy-index the pixels, print one value per line (as gdallocationinfo -valonly does).

bench/numpy_sample.py TILE.tif POINTS.txt   (run with /usr/bin/python3: needs python3-gdal)
"""
import sys
import numpy as np
from osgeo import gdal, osr

ds = gdal.Open(sys.argv[1])
data = ds.GetRasterBand(1).ReadAsArray()
pts = np.loadtxt(sys.argv[2])
wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326)
wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
srs = osr.SpatialReference(wkt=ds.GetProjection())
srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
xy = np.array(osr.CoordinateTransformation(wgs, srs).TransformPoints(pts))[:, :2]
gt = ds.GetGeoTransform()
col = np.floor((xy[:, 0] - gt[0]) / gt[1]).astype(np.int64)
row = np.floor((xy[:, 1] - gt[3]) / gt[5]).astype(np.int64)
inside = (col >= 0) & (row >= 0) & (col < ds.RasterXSize) & (row < ds.RasterYSize)
values = np.full(len(pts), np.nan)
values[inside] = data[row[inside], col[inside]]
np.savetxt(sys.stdout, values, fmt="%.9g")
