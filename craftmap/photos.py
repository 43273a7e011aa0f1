"""Photos as a survey's evidence: checked by their content (never their name), decoded only by Pillow's
JPEG, PNG and WebP readers and pillow-heif's HEIC one, turned upright, resized, and re-encoded as a
JPEG that carries none of the original's metadata (no GPS position, no camera), then kept in the
database, so that every app server behind the load balancer serves the same photo. A photo is shown
to visitors only where the editor marked it public.
"""
import hashlib
import io
import uuid
import warnings

import sqlalchemy as sa
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from . import db, editing

__all__ = ["MAX_BYTES", "MAX_SIDE", "prepare", "insert", "for_centre", "get", "public", "coerce_changes", "change",
           "remove"]

MAX_BYTES = 8 * 1024 * 1024    # one photo as a phone sends it (a request takes CRAFTMAP_MAX_UPLOAD_MB)
MAX_PIXELS = 50_000_000        # beyond this a file is refused before it is decoded (a "decompression bomb")
MAX_SIDE = 1600                # the stored photo's longer side, in px: enough to read a sign
QUALITY = 82
MAX_CAPTION = 500
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")  # the only decoders a user's bytes reach

_heif = False


def _readers():
    global _heif
    if not _heif:  # HEIC, as iPhones save photos; registered once, on the first photo
        from pillow_heif import register_heif_opener
        register_heif_opener()
        _heif = True


class PhotoError(editing.EditError):
    """A refused file, named by its field (``photo`` in the API, ``photos`` in the survey form)."""


def prepare(data, field="photo"):
    """The photo in ``data`` re-encoded for storing: {"data", "width", "height", "sha256"}.

    Raises PhotoError for anything that is not a JPEG, PNG, WebP or HEIC photo, or is too large."""
    if len(data) > MAX_BYTES:
        raise PhotoError([(field, _("the photo is %(mb)s MB; at most %(max)d MB is taken",
                                    mb=f"{len(data) / 1048576:.1f}", max=MAX_BYTES // 1048576))])
    _readers()
    refused = PhotoError([(field, _("is not a photo: send a JPEG, PNG, WebP or HEIC image"))])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoError([(field, _("the photo has %(mp)s megapixels; at most %(max)d are taken",
                                                mp=f"{image.width * image.height / 1e6:.0f}", max=MAX_PIXELS // 10**6))])
                image.seek(0)
                upright = ImageOps.exif_transpose(image)  # as the camera held it, before the metadata goes
                upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
                flat = _flattened(upright)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, ValueError, SyntaxError, EOFError):
        raise refused from None
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)  # no exif=, no icc: nothing kept
    stored = out.getvalue()
    return {"data": stored, "width": flat.width, "height": flat.height,
            "sha256": hashlib.sha256(stored).hexdigest()}


def _flattened(image):
    """RGB, transparent parts on white (a JPEG has no transparency)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def insert(conn, centre_id, prepared, user, public, caption="", survey_id=None):
    """Store a prepared photo in ``conn``'s transaction; returns its id."""
    photo_id = uuid.uuid4().hex
    conn.execute(db.photos.insert().values(
        id=photo_id, centre_id=centre_id, survey_id=survey_id, uploaded_by=user, public=bool(public),
        caption=(caption or "").strip()[:MAX_CAPTION], mimetype="image/jpeg", width=prepared["width"],
        height=prepared["height"], sha256=prepared["sha256"], data=prepared["data"]))
    db.bump_data_version(conn)  # the centre's page and kept responses show it from now on
    return photo_id


_FLAGS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


def coerce_changes(raw):
    """What may change of a stored photo, from a form or a JSON body: {"public": bool, "caption": str},
    each only where sent. EditError naming each bad field; a field of any other name is refused too."""
    changes, problems = {}, []
    for name in raw:
        if name not in ("public", "caption"):
            problems.append((str(name)[:40], _("a photo has only 'public' and 'caption' to change")))
    if "public" in raw:
        flag = raw["public"]
        flag = _FLAGS.get(flag.strip().lower()) if isinstance(flag, str) else flag if isinstance(flag, bool) else None
        if flag is None:
            problems.append(("public", _("must be true or false")))
        changes["public"] = flag
    if "caption" in raw:
        caption = raw["caption"]
        if not isinstance(caption, str):
            problems.append(("caption", _("must be text")))
        elif len(caption.strip()) > MAX_CAPTION:
            problems.append(("caption", _("at most %(n)d characters; this one has %(m)d", n=MAX_CAPTION,
                                          m=len(caption.strip()))))
        elif any(ord(ch) < 32 and ch not in "\t\n\r" for ch in caption):
            problems.append(("caption", _("must not contain control characters")))
        else:
            changes["caption"] = " ".join(caption.split())
    if problems:
        raise editing.EditError(problems)
    return changes


def _one(conn, statement, centre_id, photo_id):
    if conn.execute(statement.where(db.photos.c.id == photo_id, db.photos.c.centre_id == centre_id)).rowcount != 1:
        raise editing.NotFound([("photo", _("This centre has no photo with the id %(id)r.", id=photo_id[:40]))])
    db.bump_data_version(conn)  # the centre's page and the kept responses follow at once


def change(centre_id, photo_id, changes):
    """Publish, withdraw or caption one of a centre's photos (``changes`` from ``coerce_changes``)."""
    if changes:
        with db.transaction() as conn:
            _one(conn, db.photos.update().values(**changes), centre_id, photo_id)


def remove(centre_id, photo_id):
    """Delete one of a centre's photos, its bytes with it."""
    with db.transaction() as conn:
        _one(conn, db.photos.delete(), centre_id, photo_id)


_LISTED = ("id", "centre_id", "survey_id", "uploaded_by", "uploaded_at", "public", "caption", "width", "height")


def for_centre(centre_id, public_only=True):
    """The photos of a centre (without their bytes), newest first."""
    cols = [db.photos.c[k] for k in _LISTED]
    query = sa.select(*cols).where(db.photos.c.centre_id == centre_id).order_by(db.photos.c.uploaded_at.desc())
    if public_only:
        query = query.where(db.photos.c.public.is_(True))
    with db.engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def get(photo_id):
    """A photo with its bytes, or None."""
    with db.engine().connect() as conn:
        row = conn.execute(sa.select(db.photos).where(db.photos.c.id == photo_id)).first()
    return dict(row._mapping) if row else None


def public(photo):
    """A photo as anyone may read it: who uploaded it is an account's e-mail, kept to those who edit."""
    return {k: v for k, v in photo.items() if k != "uploaded_by"}
