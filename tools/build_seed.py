"""Build craftmap's open-data seed in data/ from the sourced research in ../shared.

Run once by a maintainer (python tools/build_seed.py); its output is committed.
It only reshapes sourced facts: every row keeps its source, nothing is geocoded
or guessed. What it derives (an order of stops, a line drawn between them) is
marked as derived in the output.
"""
import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RESEARCH = SHARED / "research"
BOUNDARIES = SHARED / "data" / "boundaries"
DATA = ROOT / "data"

sys.path.insert(0, str(ROOT))
from craftmap.spatial import order_stops_nearest  # noqa: E402

# key: (en, lv, lt); research wording -> key in RAW_CRAFTS below
CRAFTS = {
    "ceramics": ("ceramics", "keramika", "keramika"),
    "woodwork": ("woodwork", "kokapstrāde", "medžio darbai"),
    "wood_carving": ("wood carving", "kokgriešana", "medžio drožyba"),
    "weaving": ("weaving", "aušana", "audimas"),
    "sash_weaving": ("sash weaving", "jostu aušana", "juostų audimas"),
    "knitting": ("knitting", "adīšana", "mezgimas"),
    "crochet": ("crochet", "tamborēšana", "nėrimas vąšeliu"),
    "embroidery": ("embroidery", "izšūšana", "siuvinėjimas"),
    "sewing": ("sewing", "šūšana", "siuvimas"),
    "spinning": ("spinning", "vērpšana", "verpimas"),
    "felting": ("felting", "filcēšana", "vėlimas"),
    "textiles": ("textiles", "tekstilmāksla", "tekstilė"),
    "textile_mosaic": ("textile mosaic", "tekstila mozaīka", "tekstilės mozaika"),
    "natural_dyeing": ("natural dyeing", "krāsošana ar augu krāsām", "augalinis dažymas"),
    "flax_processing": ("flax processing", "linu apstrāde", "linų apdirbimas"),
    "basketry": ("basketry", "pīšana", "pynimas"),
    "straw_weaving": ("straw weaving", "salmu pīšana", "šiaudų pynimas"),
    "rope_making": ("rope making", "virvju vīšana", "virvių vijimas"),
    "leather": ("leather work", "ādas apstrāde", "odos dirbiniai"),
    "bookbinding": ("bookbinding", "grāmatu iesiešana", "knygrišystė"),
    "shoemaking": ("shoemaking", "kurpniecība", "batsiuvystė"),
    "jewellery": ("jewellery", "rotaslietas", "juvelyrika"),
    "blacksmithing": ("blacksmithing", "kalēja amats", "kalvystė"),
    "candle_making": ("candle making", "sveču liešana", "žvakių liejimas"),
    "soap_making": ("soap making", "ziepju vārīšana", "muilo gamyba"),
    "beeswax": ("beeswax", "bišu vasks", "bičių vaškas"),
    "beekeeping": ("beekeeping", "biškopība", "bitininkystė"),
    "beehive_making": ("beehive making", "stropu izgatavošana", "avilių gamyba"),
    "egg_decorating": ("egg decorating", "olu rotāšana", "margučių marginimas"),
    "linocut": ("linocut", "linogriezums", "linoraižinys"),
    "bread_baking": ("bread baking", "maizes cepšana", "duonos kepimas"),
    "brewing": ("brewing", "alus darīšana", "alaus darymas"),
    "mead": ("mead making", "medalus darīšana", "midaus gamyba"),
    "winemaking": ("winemaking", "vīna darīšana", "vyno gamyba"),
    "milling": ("milling", "malšana", "malūnininkystė"),
    "sauna_whisks": ("sauna whisks", "pirts slotas", "pirties vantos"),
    "sheep_shearing": ("sheep shearing", "aitu cirpšana", "avių kirpimas"),
    "fishing_craft": ("fishing craft", "zvejniecības amats", "žvejybos amatas"),
    "design": ("design", "dizains", "dizainas"),
    "folk_art": ("folk art", "tautas māksla", "liaudies menas"),
    "traditional_crafts": ("traditional crafts", "tradicionālie amati", "tradiciniai amatai"),
    "handicrafts": ("handicrafts", "rokdarbi", "rankdarbiai"),
    "craft_history": ("craft history exhibition", "amatu vēstures ekspozīcija", "amatų istorijos ekspozicija"),
}
RAW_CRAFTS = {
    "wood carving": "wood_carving", "sash weaving": "sash_weaving", "natural dyeing": "natural_dyeing",
    "flax processing": "flax_processing", "straw weaving": "straw_weaving", "straw": "straw_weaving",
    "rope making": "rope_making", "candle making": "candle_making", "soap making": "soap_making",
    "beehive making": "beehive_making", "egg decorating": "egg_decorating", "bread baking": "bread_baking",
    "sauna whisks": "sauna_whisks", "sheep shearing": "sheep_shearing", "fishing craft": "fishing_craft",
    "folk art": "folk_art", "traditional crafts": "traditional_crafts", "textile mosaic": "textile_mosaic",
    "crafts history exhibition": "craft_history", "crafts tools exhibition": "craft_history",
}
NOT_CRAFTS = {"unknown", "unknown (exhibition hall", "craft classes)", "folk song"}

KINDS = {
    "craft_centre": ("craft centre", "amatniecības centrs", "amatų centras"),
    "museum": ("museum", "muzejs", "muziejus"),
    "workshop": ("workshop", "darbnīca", "dirbtuvės"),
    "studio": ("studio", "studija", "studija"),
    "farmstead": ("farmstead", "lauku sēta", "sodyba"),
    "manor": ("manor", "muiža", "dvaras"),
    "community_craft_room": ("community craft room", "kopienas rokdarbu telpa", "bendruomenės amatų kambarys"),
    "community_craft_house": ("community craft house", "kopienas amatu māja", "bendruomenės amatų namai"),
    "community_craft_programme": ("community craft programme", "kopienas amatu programma", "bendruomenės amatų programa"),
    "creative_house": ("creative house", "radošā māja", "kūrybos namai"),
    "craft_association": ("craft association", "amatnieku biedrība", "amatininkų asociacija"),
    "information_centre": ("information centre", "informācijas centrs", "informacijos centras"),
}

PRECISION = {"address": "address", "settlement": "settlement", "approximate": "approximate", "none": "none"}
OUTSIDE_STUDY_REGION = {"Anykščių rajono savivaldybė"}

CENTRE_FIELDS = [
    "id", "name", "name_en", "kind", "crafts", "country", "municipality", "settlement", "address",
    "lat", "lon", "coord_precision", "coord_note", "phone", "email", "website", "opening_hours",
    "wheelchair", "wheelchair_description", "toilets_wheelchair", "signage", "signage_checked_on",
    "mid_baltic_network", "mid_baltic_evidence", "status", "source", "notes",
]


def slugify(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _municipality(raw):
    """Split 'Jēkabpils novads (formerly Krustpils novads)' into name and note."""
    name, _, rest = raw.partition(" (")
    if name == "Jelgava":
        return "Jelgava", ""
    return name, (f"Municipality {rest.rstrip(')')}." if rest else "")


def _crafts(raw, row_no):
    keys, dropped = [], []
    for part in (p.strip() for p in raw.split(";")):
        if part in NOT_CRAFTS:
            dropped.append(part)
            continue
        key = RAW_CRAFTS.get(part, part.replace(" ", "_"))
        if key not in CRAFTS:
            raise SystemExit(f"centres_facts.csv row {row_no}: craft {part!r} has no vocabulary entry")
        if key not in keys:
            keys.append(key)
    return keys, dropped


def build_centres():
    rows, ids = [], set()
    with open(RESEARCH / "centres_facts.csv", encoding="utf-8") as f:
        for row_no, src in enumerate(csv.DictReader(f), start=2):
            municipality, muni_note = _municipality(src["municipality"])
            if municipality in OUTSIDE_STUDY_REGION:
                print(f"left out (outside the study region): {src['name']}")
                continue
            crafts, dropped = _crafts(src["crafts"], row_no)
            slug = slugify(src["name_en"])[:60].strip("-")
            assert slug not in ids, slug
            ids.add(slug)
            notes = [n for n in (src["notes"], muni_note) if n]
            if dropped:
                notes.append("Research crafts text: " + src["crafts"] + ".")
            address = "" if src["address"].strip() == "not found" else src["address"]
            rows.append({
                "id": slug, "name": src["name"], "name_en": src["name_en"],
                "kind": ";".join(k.replace(" ", "_") for k in src["kind"].split(";")),
                "crafts": ";".join(crafts), "country": src["country"], "municipality": municipality,
                "settlement": src["settlement"], "address": address,
                "lat": src["lat"].strip(), "lon": src["lon"].strip(),
                "coord_precision": PRECISION[src["coord_precision"].split(" ")[0]],
                "coord_note": src["coord_precision"], "phone": "", "email": "",
                "website": src["website"], "opening_hours": "",
                "wheelchair": src["wheelchair"], "wheelchair_description": "",
                "toilets_wheelchair": "unknown", "signage": "unknown", "signage_checked_on": "",
                "mid_baltic_network": src["mid_baltic_network"],
                "mid_baltic_evidence": src["mid_baltic_evidence"], "status": "active",
                "source": src["source_url"], "notes": " ".join(notes),
            })
    return rows


def _settlements():
    with open(RESEARCH / "settlements.csv", encoding="utf-8") as f:
        return {r["name"]: r for r in csv.DictReader(f)}


def _point_stop(name, settlement, places, source):
    place = places[settlement]
    known = bool(place["lat"])
    return {
        "name": name,
        "lat": float(place["lat"]) if known else None,
        "lon": float(place["lon"]) if known else None,
        "coord_precision": "settlement" if known else "none",
        "source": source + (f" ; coordinates: {place['source']}" if known else
                            " ; coordinates: not found in searched sources"),
    }


def _centre_stop(centre_id, centres):
    c = centres[centre_id]
    return {"centre_id": centre_id, "name": c["name"]}


def _line(stops, centres):
    coords = []
    for s in stops:
        c = centres.get(s.get("centre_id"), s)
        if c["lat"] not in ("", None):
            coords.append([float(c["lon"]), float(c["lat"])])
    return {"type": "LineString", "coordinates": coords}


def build_routes(centres):
    by_id = {c["id"]: c for c in centres}
    places = _settlements()
    selonian_src = "https://www.baltukelias.lt/pl/szlak-sladami-baltow-odcinek-sladami-zelow"
    craft_at = {
        "Koknese": "baltaine-creative-house",
        "Jēkabpils": "selonian-farmstead-open-air-museum-crafts-house",
        "Viesīte": "viesite-museum-selija-craft-centre",
        "Zasa": "rume-craft-centre-selonian-craft-centre",
    }
    towns = ["Aizkraukle", "Koknese", "Vecbebri", "Sēlpils", "Jēkabpils", "Viesīte", "Nereta", "Rite",
             "Aknīste", "Zasa", "Dunava", "Zarasai", "Dusetos", "Kulioniai", "Skudiškiai", "Utena",
             "Užpaliai", "Kupiškis", "Biržai"]
    selonian = []
    for town in towns:
        if town in craft_at:
            selonian.append(_centre_stop(craft_at[town], by_id))
        elif town in places:
            selonian.append(_point_stop(town, town, places, selonian_src))
        else:
            selonian.append({"name": town, "lat": None, "lon": None, "coord_precision": "none",
                             "source": selonian_src + " ; coordinates: not found in searched sources"})

    uzzini_src = "https://bauskasdzive.lv/?p=235712"
    uzzini = [
        _point_stop('"ABRA" konditoreja, Ozolnieki', "Ozolnieki", places, uzzini_src),
        {"name": '"Bērzes ūdensdzirnavas", Bērzes pagasts', "lat": None, "lon": None,
         "coord_precision": "none", "source": uzzini_src + " ; coordinates: not found"},
        {"name": 'Saimniecība "Celmi", Codes pagasts', "lat": None, "lon": None,
         "coord_precision": "none", "source": uzzini_src + " ; coordinates: not found"},
        _centre_stop("folk-applied-art-studio-auce", by_id),
        _centre_stop("ml-koks-beehive-workshop", by_id),
        _centre_stop("saiva-drupa-leather-workshop", by_id),
        _centre_stop("laima-ceramics-workshop", by_id),
        _centre_stop("kristell-candle-workshop", by_id),
        _point_stop('SIA "Gusto", Bauska', "Bauska", places, uzzini_src),
        _centre_stop("lidija-reinberga-jewellery-workshop", by_id),
    ]
    uzzini = _derived_order(uzzini, by_id)

    routes = [
        {
            "id": "balts-road-selonian", "colour": "#1b6ca8", "theme": "heritage",
            "name_lv": "Baltu ceļš: Sēļu loks", "name_lt": "Baltų kelias: sėlių atkarpa",
            "name_en": "Balts' Road: Selonian loop",
            "description_en": "The Selonian segment of the international cultural route Balts' Road "
                              "(projects LLI-187, LLI-447), stated as 730 km. Craft stops: the Jēkabpils "
                              "open-air museum, the Viesīte museum, the Baltaine creative house and the "
                              "Rūme craft centre.",
            "description_lv": "Starptautiskā kultūras maršruta \"Baltu ceļš\" Sēļu loks (projekti LLI-187, "
                              "LLI-447), norādītais garums 730 km.",
            "description_lt": "Tarptautinio kultūros maršruto \"Baltų kelias\" sėlių atkarpa (projektai "
                              "LLI-187, LLI-447), nurodytas ilgis 730 km.",
            "stops": selonian, "stop_order_origin": "source",
            "geometry_origin": "drawn_between_stops",
            "source": selonian_src + " ; https://www.baltukelias.lt/en/editable-news/id-429/",
            "notes": "The stop towns and their order are from the source; the line is drawn straight "
                     "between the stops whose coordinates are known, not along roads. The official "
                     "GPX is published on baltukelias.lt but was not available here.",
            "geometry": _line(selonian, by_id),
        },
        {
            "id": "uzzini-ka-top", "colour": "#b5541c", "theme": "workshops",
            "name_lv": "Uzzini, kā top!", "name_lt": "Sužinok, kaip gaminama!",
            "name_en": "Find out how it's made!",
            "description_en": "Ten Zemgale producers and workshops where visitors take part in making "
                              "things; made by the rural partnership \"Lielupe\" with the Bauska and "
                              "Dobele partnerships, for schoolchildren and families.",
            "description_lv": "Desmit Zemgales ražotāji un darbnīcas, kur apmeklētāji paši piedalās "
                              "darbā; veidojusi lauku partnerība \"Lielupe\".",
            "description_lt": "Dešimt Žiemgalos gamintojų ir dirbtuvių, kuriose lankytojai patys "
                              "dalyvauja gamyboje; sukūrė kaimo partnerystė \"Lielupe\".",
            "stops": uzzini, "stop_order_origin": "derived",
            "geometry_origin": "drawn_between_stops",
            "source": uzzini_src + " ; http://ejuz.lv/uzzinikatop",
            "notes": "The source lists the stops without a visiting order: craftmap ordered the stops "
                     "with known coordinates by nearest neighbour from the westernmost one; stops "
                     "without coordinates are listed last. The line is drawn straight between stops.",
            "geometry": _line(uzzini, by_id),
        },
    ]
    return routes


def _derived_order(stops, centres):
    def coords(s):
        c = centres.get(s.get("centre_id"), s)
        return (float(c["lon"]), float(c["lat"])) if c["lat"] not in ("", None) else None
    located = [s for s in stops if coords(s)]
    unlocated = [s for s in stops if not coords(s)]
    order = order_stops_nearest([coords(s) for s in located])
    return [located[i] for i in order] + unlocated


def write_routes(routes):
    features = []
    for r in routes:
        props = {k: v for k, v in r.items() if k not in ("geometry", "id")}
        features.append({"type": "Feature", "id": r["id"], "properties": props, "geometry": r["geometry"]})
    doc = {"type": "FeatureCollection", "features": features}
    (DATA / "routes.geojson").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_municipalities():
    lv = json.loads((BOUNDARIES / "lv_zemgale_municipalities_2021.geojson").read_text(encoding="utf-8"))
    lt = json.loads((BOUNDARIES / "lt_municipalities.geojson").read_text(encoding="utf-8"))
    keep = ["id", "name", "name_local", "country_code", "source", "source_id"]
    feats = []
    for f in lv["features"]:
        feats.append({"type": "Feature", "properties": {k: f["properties"][k] for k in keep} | {
            "region": "Zemgale", "licence": "CC BY 4.0"}, "geometry": f["geometry"]})
    for f in lt["features"]:
        if f["properties"]["county_iso"] in ("LT-SA", "LT-PN"):
            feats.append({"type": "Feature", "properties": {k: f["properties"][k] for k in keep} | {
                "region": f["properties"]["county"], "licence": "ODbL 1.0"}, "geometry": f["geometry"]})
    doc = {"type": "FeatureCollection", "metadata": {
        "description": "Municipalities of the study region: the six units of the Zemgale planning region "
                       "(lv_zemgale_municipalities_2021.geojson) and the municipalities of Šiauliai and "
                       "Panevėžys counties (lt_municipalities.geojson), features copied unchanged.",
        "licence": "LV features CC BY 4.0; LT features ODbL 1.0", "see": "BOUNDARIES_SOURCES.md"},
        "features": feats}
    (DATA / "municipalities.geojson").write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")


def write_vocabulary():
    with open(DATA / "vocabulary.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["group", "key", "en", "lv", "lt"])
        for group, table in (("craft", CRAFTS), ("kind", KINDS)):
            for key, names in table.items():
                w.writerow([group, key, *names])


def main():
    centres = build_centres()
    with open(DATA / "centres.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CENTRE_FIELDS)
        w.writeheader()
        w.writerows(centres)
    write_routes(build_routes(centres))
    write_municipalities()
    write_vocabulary()
    (DATA / "study_region.geojson").write_bytes(
        (BOUNDARIES / "study_region_zemgale_siauliai_panevezys.geojson").read_bytes())
    (DATA / "BOUNDARIES_SOURCES.md").write_bytes((BOUNDARIES / "SOURCES.md").read_bytes())
    print(f"{len(centres)} centres written")


if __name__ == "__main__":
    main()
