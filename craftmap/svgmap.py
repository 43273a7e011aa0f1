"""Maps drawn as SVG, for pages that are printed: a survey sheet's municipality, the printed report's
choropleths. Print needs no tiles and no script, and an SVG path prints sharp at any size.

Longitudes are scaled by the cosine of the middle latitude, so shapes keep their proportions at the
latitudes of the region (about 56° N); at that size no other projection would show a difference."""
import math

import shapely


class Frame:
    """Turns longitude and latitude within ``bounds`` into SVG coordinates of a width × height box."""

    def __init__(self, bounds, width, height, pad=8):
        minx, miny, maxx, maxy = bounds
        self.k = math.cos(math.radians((miny + maxy) / 2))
        self.scale = min((width - 2 * pad) / ((maxx - minx) * self.k or 1), (height - 2 * pad) / ((maxy - miny) or 1))
        self.minx, self.maxy, self.pad = minx, maxy, pad
        self.width, self.height = width, height

    def xy(self, lon, lat):
        return self.pad + (lon - self.minx) * self.k * self.scale, self.pad + (self.maxy - lat) * self.scale

    def path(self, shape, tolerance=0.002):
        """SVG path data of a polygon or multipolygon, simplified by ``tolerance`` degrees."""
        parts = []
        for polygon in getattr(shape, "geoms", [shape]):
            for ring in [polygon.exterior, *polygon.interiors]:
                coords = ring.simplify(tolerance).coords
                parts.append("M" + " L".join("%.1f,%.1f" % self.xy(x, y) for x, y in coords) + " Z")
        return " ".join(parts)

    def line(self, shape, tolerance=0.002):
        """SVG path data of a line or multiline."""
        parts = []
        for line in getattr(shape, "geoms", [shape]):
            coords = line.simplify(tolerance).coords
            parts.append("M" + " L".join("%.1f,%.1f" % self.xy(x, y) for x, y in coords))
        return " ".join(parts)


def area_map(shapes, width=520, height=360, tolerance=0.003):
    """A frame around all ``shapes`` ({key: geometry}) and each one's path and label point."""
    frame = Frame(shapely.union_all(list(shapes.values())).bounds, width, height)
    areas = []
    for key, shape in shapes.items():
        at = shape.representative_point()
        areas.append({"key": key, "path": frame.path(shape, tolerance), "label_at": frame.xy(at.x, at.y)})
    return frame, areas
