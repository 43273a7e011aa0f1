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
    "mill": ("mill", "dzirnavas", "malūnas"),
}

PRECISION = {"address": "address", "settlement": "settlement", "approximate": "approximate", "none": "none"}
OUTSIDE_STUDY_REGION = {"Anykščių rajono savivaldybė"}

CENTRE_FIELDS = [
    "id", "name", "name_en", "kind", "crafts", "country", "municipality", "settlement", "address",
    "lat", "lon", "coord_precision", "coord_note", "phone", "email", "website", "opening_hours",
    "opening_hours_source", "opening_hours_as_of",
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
                "website": src["website"], "opening_hours": "", "opening_hours_source": "", "opening_hours_as_of": "",
                "wheelchair": src["wheelchair"], "wheelchair_description": "",
                "toilets_wheelchair": "unknown", "signage": "unknown", "signage_checked_on": "",
                "mid_baltic_network": src["mid_baltic_network"],
                "mid_baltic_evidence": src["mid_baltic_evidence"], "status": "active",
                "source": src["source_url"], "notes": " ".join(notes),
            })
    return rows


# The explicit rows of research/facts_2026-12.csv, as craftmap reads them: (source URL, the start of
# the row's exact quote, the centre's id, what the row says about it). "+notes", "+source" and
# "+mid_baltic_evidence" append; every other key sets the field. A row that is not in the research
# file with confidence "explicit" stops the build, so nothing probable or unsourced comes in. Hours
# take the page's date where it has one (YYYY, YYYY-MM or YYYY-MM-DD); an undated page leaves it empty.
NEW = "new place"
FACTS_2026_12 = [
    ("https://kulturasdati.lv/lv/muzeji/bauskas-muzejs", "Kalna iela 6, Bauska, Bauskas nov., LV-3901",
     "bauska-museum-folk-applied-art-studio-bauska",
     {"address": "Kalna iela 6, Bauska, LV-3901", "+source": "https://kulturasdati.lv/lv/muzeji/bauskas-muzejs"}),
    ("http://www.muzeji.lv/lv/museums/museum-of-bauska/", "Kalna iela 6, Bauska, LV-3901",
     "bauska-museum-folk-applied-art-studio-bauska",
     {"+source": "http://www.muzeji.lv/lv/museums/museum-of-bauska/",
      "+notes": "The museum offers visits to its weavers' workshop (Zemgale ethnographic textiles; muzeji.lv)."}),
    ("http://latvia.travel/de/sehenswurdigkeit/das-heimatkundemuseum-selija-viesite", "56.342201, 25.555201",
     "viesite-museum-selija-craft-centre",
     {"lat": "56.342201", "lon": "25.555201", "coord_precision": "address",
      "coord_note": "address point given by latvia.travel (Brodeles iela 7)",
      "address": "A. Brodeles iela 7, Viesīte, LV-5237 (Mazā Bānīša parks, museum territory)",
      "+source": "http://latvia.travel/de/sehenswurdigkeit/das-heimatkundemuseum-selija-viesite"}),
    ("https://muzejsselija.lv/viesites-muzejam-selija-20-dzimsanas-diena/", "bijusī Viesītes šaursliežu",
     "viesite-museum-selija-craft-centre",
     {"+source": "https://muzejsselija.lv/viesites-muzejam-selija-20-dzimsanas-diena/"}),
    ("https://muzejsselija.lv/viesites-muzejam-selija-20-dzimsanas-diena/", "Šai gadā teritorijā",
     "viesite-museum-selija-craft-centre",
     {"+mid_baltic_evidence": "muzejsselija.lv: the Viesīte craft centre opened in the museum's railway-site "
                              "territory in 2010, when works of a Latvia–Lithuania cross-border project there "
                              "were completed; the project is not named"}),
    ("https://upyteszeme.lt/amatu-centras/", "amatų klėčiai parinkta vieta", "upyte-traditional-crafts-centre",
     {"+notes": "The straw-built crafts granary stands next to the listed Upytė manor granary (svirnas) in "
                "Krekenava Regional Park (upyteszeme.lt)."}),
    ("https://www.laimaceramics.com/artist-residency", "Set in the wide fields of Rundāle",
     "laima-ceramics-workshop",
     {"website": "https://www.laimaceramics.com", "+source": "https://www.laimaceramics.com/artist-residency",
      "+notes": "Studio founded 2013 in the open countryside of Rundāle; runs an artist residency."}),
    ("http://trip2lt.com/object/birzai-museum-sela/", "Wednesday – Saturday: 9:00-17:30",
     "birzai-regional-museum-sela",
     {"opening_hours": "Oct-Apr We-Sa 09:00-17:30; May-Sep Tu 10:00-17:30; May-Sep We-Sa 10:00-18:30; "
                       "May-Sep Su 10:00-17:30",
      "opening_hours_source": "http://trip2lt.com/object/birzai-museum-sela/", "opening_hours_as_of": "",
      "+notes": "Opening hours from an undated page with prices in litas, so from before 2015."}),
    ("https://www.muziejai.lt/Joniskis/istorijos_muziejus.en.htm", "Monday to Thursday 8–18",
     "joniskis-museum-of-history-and-culture",
     {"opening_hours": "Mo-Th 08:00-18:00; Fr 08:00-16:45",
      "opening_hours_source": "https://www.muziejai.lt/Joniskis/istorijos_muziejus.en.htm",
      "opening_hours_as_of": "", "+notes": "Opening hours from an undated page."}),
    ("https://www.delfi.lv/turismagids/latvija/durvis-verusi-dziveszinas-un-arodu-seta-kura-vares-verot-audeju-"
     "paraugdemonstrejumus.d?id=55066054", "no otrdienas līdz sestdienai",
     "yard-of-folk-wisdom-and-trades-weaving-workshop-austras-raks",
     {"opening_hours": "Tu-Sa 10:00-18:00; Su 10:00-15:00",
      "opening_hours_source": "https://www.delfi.lv/turismagids/latvija/durvis-verusi-dziveszinas-un-arodu-"
                              "seta-kura-vares-verot-audeju-paraugdemonstrejumus.d?id=55066054",
      "opening_hours_as_of": "", "phone": "+371 29116210",
      "+source": "https://www.delfi.lv/turismagids/latvija/durvis-verusi-dziveszinas-un-arodu-seta-kura-vares-"
                 "verot-audeju-paraugdemonstrejumus.d?id=55066054",
      "+notes": "Opening hours for individual visitors as announced at the opening on 21 December (the page "
                "gives no year); tours on request by phone. The complex holds ceramics and weaving workshops."}),
    ("https://www.muziejai.lt/Pasvalys/pasvalio_krasto_muziejus.htm", "Birželio – rugpjūčio mėn.",
     "pasvalys-regional-museum",
     {"opening_hours": "Jun-Aug Mo-Su 09:00-17:00; Sep-May Mo-Sa 09:00-17:00",
      "opening_hours_source": "https://www.muziejai.lt/Pasvalys/pasvalio_krasto_muziejus.htm",
      "opening_hours_as_of": "",
      "+notes": "Opening hours from an undated page with prices in litas and euro (about 2014–2015); the same "
                "page says entry is free for disabled visitors."}),
    ("http://visitaizkraukle.lv/aktualitates/ceplim-velnins-3-gadu-jubileja-un-cepla-atversanas-svetki",
     "GPS: 56.512051, 25.231232", NEW,
     {"id": "black-smoked-clay-ceramics-kiln-velnins", "name": "Ceplis \"Velniņš\"",
      "name_en": "Black smoked-clay ceramics kiln 'Velniņš'", "kind": "workshop", "crafts": "ceramics",
      "country": "LV", "municipality": "Aizkraukles novads", "settlement": "Daudzeva (Daudzeses pagasts)",
      "address": "\"Velniņi\", Daudzeva, Daudzeses pag., LV-5111", "lat": "56.512051", "lon": "25.231232",
      "coord_precision": "address", "coord_note": "GPS given by visitaizkraukle.lv", "phone": "+371 29784413",
      "mid_baltic_network": "no",
      "mid_baltic_evidence": "its third anniversary was in 2025, so it opened long after the network project "
                             "(2009–2011)",
      "notes": "Kiln and workshop of Gunita and Mārtiņš Skaistkalns; public kiln-opening events with master "
               "classes (3rd anniversary 14.06.2025). Name in Latvian as the source's address gives it."}),
    ("http://kulturaskarte.lv/lv/makslinieciskie-kolektivi/vilces-pagasta-lietiskas-makslas-studija-vilcenes",
     "Tautas nama iela 2 - 4", NEW,
     {"id": "vilce-crafts-house-applied-art-studio-vilcenes",
      "name": "Vilces Amatu māja (lietišķās mākslas studija \"Vilcenes\")",
      "name_en": "Vilce Crafts House (applied-art studio 'Vilcenes')", "kind": "community_craft_house;studio",
      "crafts": "weaving;spinning", "country": "LV", "municipality": "Jelgavas novads",
      "settlement": "Vilce (Vilces pagasts)", "address": "Tautas nama iela 2-4, Vilce, Vilces pag., LV-3026",
      "coord_note": "no source gives a location (Vilce has no sourced coordinates either)",
      "mid_baltic_network": "no", "mid_baltic_evidence": "opened 31 May 2019, after the network project",
      "notes": "Opened 31 May 2019 in the former parish office; weaving room with six looms, a spinning wheel."}),
    ("http://kulturaskarte.lv/lv/makslinieciskie-kolektivi/vilces-pagasta-lietiskas-makslas-studija-vilcenes",
     "Pirmdienās un Ceturtdienās 15:00 - 20:00", "vilce-crafts-house-applied-art-studio-vilcenes",
     {"opening_hours": "Mo,Th 15:00-20:00",
      "opening_hours_source": "http://kulturaskarte.lv/lv/makslinieciskie-kolektivi/vilces-pagasta-lietiskas-"
                              "makslas-studija-vilcenes",
      "opening_hours_as_of": "2023",
      "+notes": "The hours are the studio's sessions in its 2023 report, not opening hours for visitors."}),
    ("https://siauliurajonas.lt/de/sehenswurdigkeiten/volkskunstler-raimondas-baskys-medinukai-museum",
     "Der Volkskünstler Raimondas Baškys", NEW,
     {"id": "raimondas-baskys-wood-carving-museum-medinukai",
      "name": "Raimondo Baškio medžio drožinių muziejus „Medinukai“",
      "name_en": "Raimondas Baškys wood-carving museum 'Medinukai'", "kind": "museum", "crafts": "wood_carving",
      "country": "LT", "municipality": "Šiaulių rajono savivaldybė", "settlement": "Kuršėnai",
      "mid_baltic_network": "unknown",
      "notes": "A folk artist's wood-carving museum in his own house in Kuršėnai, with hundreds of carved "
               "figures. The source is in German: the Lithuanian name is craftmap's rendering of it."}),
    ("https://siauliurajonas.lt/de/sehenswurdigkeiten/volkskunstler-raimondas-baskys-medinukai-museum",
     "Für den Besuch ist eine Voranmeldung", "raimondas-baskys-wood-carving-museum-medinukai",
     {"+notes": "Visits only by prior appointment."}),
    ("https://www.rekurzeme.lv/vietejas-zinas/latvijas-zinas/kulturas-zimi-latviskais-mantojums-pieskir-ari-"
     "pavilostas-novada-ievlejam-un-durbes-novada-turaidam-145321", "dzirnavas atpūtas kompleksam", NEW,
     {"id": "mill-and-recreation-complex-rozmalas", "name": "Atpūtas komplekss \"Rožmalas\" (dzirnavas)",
      "name_en": "Mill and recreation complex 'Rožmalas'", "kind": "mill", "crafts": "milling",
      "country": "LV", "municipality": "Bauskas novads", "mid_baltic_network": "unknown",
      "notes": "Watermill complex with the 'Graudu ceļš' (grain path) programme; awarded the culture sign "
               "'Latviskais mantojums' in 2019, whose holders get a metal sign for their building (whether it "
               "is displayed was not checked, so signage stays unknown). The source gives no location."}),
    ("https://15min.lt/m/id/verslas/nt-ir-interjeras/nekilnojamasis-turtas/isskirtine-vieta-lietuvoje-"
     "didziausias-technikos-muziejus-ir-senoji-aukstaiciu-sodyba-973-1276186", "duonos kelio programa", NEW,
     {"id": "sodeliskiai-manor-homestead", "name": "Sodeliškių dvaro sodyba",
      "name_en": "Sodeliškiai manor homestead", "kind": "farmstead;museum",
      "crafts": "bread_baking;brewing;milling", "country": "LT", "municipality": "Biržų rajono savivaldybė",
      "settlement": "Sodeliškiai", "mid_baltic_network": "unknown",
      "notes": "Restored manor homestead of Neringa and Dalius Linkevičius: old-machinery museum, an Aukštaitija "
               "farmstead with old tools, a 'bread path' programme from a windmill to the oven, traditional "
               "Biržai beer brewing. The source gives no address or location."}),
]
SETTLEMENT_POINTS = {"raimondas-baskys-wood-carving-museum-medinukai": "Kuršėnai"}


def apply_facts_2026_12(rows):
    """``rows`` with the explicit facts of research/facts_2026-12.csv brought in (FACTS_2026_12)."""
    with open(RESEARCH / "facts_2026-12.csv", encoding="utf-8") as f:
        explicit = {(r["source_url"], r["exact_quote"]) for r in csv.DictReader(f) if r["confidence"] == "explicit"}
    by_id = {r["id"]: r for r in rows}
    places = _settlements()
    for url, quote, centre_id, fact in FACTS_2026_12:
        if not any(u == url and q.startswith(quote) for u, q in explicit):
            raise SystemExit(f"facts_2026-12.csv has no explicit row from {url} quoting {quote!r}")
        if centre_id == NEW:
            row = {f: "" for f in CENTRE_FIELDS} | {
                "wheelchair": "unknown", "toilets_wheelchair": "unknown", "signage": "unknown",
                "status": "active", "coord_precision": "none", "source": url}
            by_id[fact["id"]] = row
            rows.append(row)
            settlement = SETTLEMENT_POINTS.get(fact["id"])
            if settlement:
                place = places[settlement]
                fact = fact | {"lat": place["lat"], "lon": place["lon"], "coord_precision": "settlement",
                               "coord_note": f"settlement centre ({settlement}; {place['source']})"}
        row = by_id[centre_id if centre_id != NEW else fact["id"]]
        for field, value in fact.items():
            if field.startswith("+"):
                field = field[1:]
                sep = " ; " if field == "source" else "; " if field == "mid_baltic_evidence" else " "
                if value not in row[field]:
                    row[field] = f"{row[field]}{sep}{value}" if row[field] else value
            else:
                row[field] = value
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
    centres = apply_facts_2026_12(build_centres())
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
