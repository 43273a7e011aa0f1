"""Building the Leaflet map with folium: once per data version and language, never per request.

The page carries the map element and links to the scripts; the map's set-up script (the route layers
and a small start-up call) is served at its own URL, since the Content Security Policy runs no inline
script. Centres reach the browser as GeoJSON from the API, so neither grows with them.
"""
import itertools
import re
from html import escape

import folium
from branca.element import MacroElement
from jinja2 import Template

__all__ = ["build_map"]

REGION_CENTRE = (56.15, 24.6)
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>', re.S)
# folium's inline styles (sizes that craftmap.css sets) and its L_NO_TOUCH / L_DISABLE_3D globals (false,
# Leaflet's defaults): the CSP would refuse both.
_INLINE = re.compile(r"<style>.*?</style>|<script>.*?</script>", re.S)


SCRIPTS = [("leaflet", "vendor/leaflet/leaflet.js"),
           ("markercluster", "vendor/leaflet.markercluster/leaflet.markercluster.js"), ("craftmap", "js/map.js")]
STYLESHEETS = [("leaflet_css", "vendor/leaflet/leaflet.css"),
               ("markercluster_css", "vendor/leaflet.markercluster/MarkerCluster.css"),
               ("markercluster_default_css", "vendor/leaflet.markercluster/MarkerCluster.Default.css")]


class LocalMap(folium.Map):
    """A folium map whose scripts and styles come from the app, not from public CDNs."""

    def __init__(self, asset_url, **kwargs):
        super().__init__(**kwargs)
        self.default_js = [(key, asset_url(name)) for key, name in SCRIPTS]
        self.default_css = [(key, asset_url(name)) for key, name in STYLESHEETS]


class _Start(MacroElement):
    """Hands the map, its layer control and route layers to static/js/map.js."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        craftmap.start({{ this._parent.get_name() }}, {{ this.control.get_name() }},
                       { {% for id, layer in this.layers.items() %}{{ id|tojson }}: {{ layer.get_name() }},{% endfor %} });
        {% endmacro %}
    """)

    def __init__(self, control, layers):
        super().__init__()
        self.control = control
        self.layers = layers


def _legend_label(route, name):
    """The layer-control entry: a line sample in the route's colour (page.js paints data-colour, as the
    CSP refuses style attributes) and its name as text."""
    dash = " swatch-dashed" if route["geometry_origin"] == "drawn_between_stops" else ""
    return (f'<span class="swatch{dash}" data-colour="{escape(route["colour"])}" aria-hidden="true">'
            f'</span>{escape(name)}')


STYLES = {
    # an area judged from too few known centres is hatched (craftmap.css fills .area-unknown with a pattern)
    "fill": lambda f: {"fillColor": f["properties"]["fill"], "color": "#444", "weight": 1, "fillOpacity": 0.65,
                       **({"className": "area-unknown"} if f["properties"].get("hatched") else {})},
    "uncovered": lambda f: {"color": "#b2322a", "weight": 8, "opacity": 0.55},
}


def _number_elements(root):
    """Name elements by their place in the tree instead of folium's random ids, so that every
    server builds the same bytes for the same data, and a browser's ETag is good on all of them."""
    count = itertools.count()

    def walk(element):
        element._id = f"{next(count):x}"
        for child in element._children.values():
            walk(child)
    walk(root)


def build_map(routes, names, tiles, max_zoom, asset_url, extra_layers=(), map_id="craftmap", unlined_label=None):
    """Build the map's parts for a page.

    Parameters
    ----------
    routes : list of dict
        Routes with ``id``, ``colour``, ``geometry`` (GeoJSON, WGS 84) and ``geometry_origin``.
    names : dict
        Route id -> name in the page's language.
    tiles : tuple of (url, attribution, label)
        Base map tiles; an empty url leaves the map without tiles.
    max_zoom : int
        Highest zoom level (set on the map itself so clustering works without tiles).
    asset_url : callable
        Asset name (``js/map.js``, ``vendor/leaflet/leaflet.js``) -> the URL the page loads it from.
    extra_layers : sequence of dict
        Further overlays, each ``name``, ``geojson`` and ``style`` (a key of STYLES), drawn below the routes,
        optionally with ``labels``: (lat, lon, text) drawn as text on the map.
    unlined_label : str, optional
        Given, a route without a line is listed in the layer list all the same, with this said beside it.

    Returns
    -------
    dict
        ``header`` (links to scripts and styles, nothing inline), ``html`` (the map element) and
        ``script`` (JavaScript to serve as a file).
    """
    m = LocalMap(asset_url, location=REGION_CENTRE, zoom_start=8, tiles=None, control_scale=True,
                 prefer_canvas=False)
    m._id = map_id
    m.options.update(maxZoom=max_zoom, minZoom=6)
    url, attribution, label = tiles
    if url:
        folium.TileLayer(tiles=url, attr=attribution, name=label, max_zoom=max_zoom,
                         control=False).add_to(m)
    for extra in extra_layers:
        group = folium.FeatureGroup(name=escape(extra["name"])).add_to(m)
        folium.GeoJson(extra["geojson"], style_function=STYLES[extra["style"]]).add_to(group)
        for lat, lon, text in extra.get("labels", ()):  # e.g. how many centres of an area are known
            folium.Marker((lat, lon), icon=folium.DivIcon(html=f'<span class="area-count">{escape(text)}</span>',
                                                          class_name="area-count-icon", icon_size=(48, 20),
                                                          icon_anchor=(24, 10))).add_to(group)
    layers = {}
    for route in routes:
        if not route["geometry"]:
            if unlined_label:  # listed all the same, so no route seems to be missing from the map
                folium.FeatureGroup(name=f'<span class="swatch swatch-none" aria-hidden="true"></span>'
                                         f'{escape(names[route["id"]])} ({escape(unlined_label)})').add_to(m)
            continue
        group = folium.FeatureGroup(name=_legend_label(route, names[route["id"]])).add_to(m)
        dash = "8 6" if route["geometry_origin"] == "drawn_between_stops" else None
        folium.GeoJson(
            {"type": "Feature", "properties": {}, "geometry": route["geometry"]},
            style_function=lambda _, colour=route["colour"], dash=dash: {
                "color": colour, "weight": 4, "opacity": 0.85, "dashArray": dash},
        ).add_to(group)
        layers[route["id"]] = group
    control = folium.LayerControl(collapsed=False).add_to(m)
    _Start(control, layers).add_to(m)
    root = m.get_root()
    _number_elements(root)
    m._id = map_id
    root.render()
    header = _INLINE.sub("", _VIEWPORT.sub("", root.header.render()))
    header = header.replace('<meta http-equiv="content-type" content="text/html; charset=UTF-8" />', "")
    return {"header": header, "html": root.html.render(), "script": root.script.render()}
