"""Large per-version bodies, built once per server into files and sent from there, never held by a worker.

At 100 000 centres the all-fields GeoJSON is 97 MB of JSON. Held in every worker with its gzip copy, and
built there as one list of 100 000 dicts and one string, it cost each worker 0.5–0.9 GB. Here the first
worker that needs a body streams it, piece by piece, into a file, then compresses the file (gzip at its
highest level, brotli as high as the size allows) into two more; a file lock makes the other workers wait
for it and then send the same files. A worker holds only the file names and the ETag.

A folder per data version and data fingerprint (the database, every record's version and craftmap's own
code), so a recreated database or a new release can never send an old body. Folders of other versions
go once they are a minute old: by then no worker serves them any more, and a worker that finds its
files gone builds them again.
"""
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import threading
import time
from pathlib import Path

import brotli
from flask import Response, current_app, request

from .web import ETAG_SUFFIX, accepted_encoding, release_after_request

__all__ = ["body", "send", "UNKEPT"]

UNKEPT = "craftmap.from-file"  # set in the WSGI environ: the response store keeps such a body only when small
BROTLI_TOP_BYTES = 2 * 2**20  # brotli's top quality, 11, compresses about 1 MB/s: fine below this size
BROTLI_LARGE = 7  # above it, a 97 MB body still compresses in seconds, a little smaller than gzip at 9
OLD_SECONDS = 60
CHUNK = 2**20
_CODE = hashlib.sha1(b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py")))).hexdigest()
_lock = threading.Lock()


def _folder(snap):
    root = Path(current_app.config["BUILT_DIR"])
    ident = hashlib.sha1(f"{current_app.config['DATABASE_URL']}|{_CODE}|{snap.fingerprint}".encode()).hexdigest()
    return root / f"{snap.version}-{ident[:20]}"


def body(snap, key, pieces, mimetype):
    """The stored body for ``key`` at this data version, built from ``pieces()`` (an iterable of str or
    bytes) when no worker has built it yet: a dict of its file paths, ETag and type."""
    folder = _folder(snap)
    name = hashlib.sha1(repr(key).encode()).hexdigest()[:24]
    meta_path = folder / f"{name}.json"
    meta = _read(meta_path)
    if meta is not None:
        return meta
    try:
        meta = _locked_build(folder, name, meta_path, pieces, mimetype)
    except FileNotFoundError:  # the folder was swept while this worker, a version behind, built into it
        meta = _locked_build(folder, name, meta_path, pieces, mimetype)
    _sweep(folder)
    return meta


def _locked_build(folder, name, meta_path, pieces, mimetype):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per server; the others wait here, then read its meta
        meta = _read(meta_path)
        if meta is None:
            meta = _build(folder, name, pieces, mimetype)
            release_after_request()
            tmp = meta_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(meta))
            os.replace(tmp, meta_path)
    return meta


def _read(meta_path):
    try:
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError:
        return None
    return meta if all(os.path.exists(meta[k]) for k in ("plain", "gzip", "br")) else None


def _build(folder, name, pieces, mimetype):
    plain, digest = folder / f"{name}.plain", hashlib.sha1()
    tmp = plain.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as out:
        for piece in pieces():
            data = piece.encode("utf-8") if isinstance(piece, str) else piece
            digest.update(data)
            out.write(data)
    os.replace(tmp, plain)
    size = plain.stat().st_size
    gz, br = folder / f"{name}.gz", folder / f"{name}.br"
    _compress(plain, gz, lambda out: gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=9, mtime=0))
    quality = 11 if size <= BROTLI_TOP_BYTES else BROTLI_LARGE
    _compress(plain, br, lambda out: _BrotliWriter(out, quality))
    return {"plain": str(plain), "gzip": str(gz), "br": str(br), "etag": digest.hexdigest(), "mimetype": mimetype,
            "size": size}


def _compress(source, target, opener):
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with open(source, "rb") as src, open(tmp, "wb") as out:
        packer = opener(out)
        while chunk := src.read(CHUNK):
            packer.write(chunk)
        packer.close()
    os.replace(tmp, target)


def _read_through(path, size):
    """The file in chunks of at most its size (a 1 MB buffer for a 50 KB file cost more than sending it),
    opened at the first read (a 304 never opens it), closed at its end or when the server stops reading."""
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(min(CHUNK, size or 1)):
            yield chunk


class _BrotliWriter:
    def __init__(self, out, quality):
        self.out, self.packer = out, brotli.Compressor(quality=quality)

    def write(self, data):
        self.out.write(self.packer.process(data))

    def close(self):
        self.out.write(self.packer.finish())


def _sweep(keep):
    """Remove the folders of other data versions once they are OLD_SECONDS old."""
    now = time.time()
    with _lock:
        for folder in keep.parent.iterdir():
            try:
                if folder != keep and folder.is_dir() and now - folder.stat().st_mtime > OLD_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)
            except FileNotFoundError:  # another worker swept it first
                pass


def send(meta, rebuild):
    """Send a stored body from its file, compressed as the client accepts; ``rebuild()`` gives the meta
    again when the files went (swept with an old version while this worker still served it)."""
    encoding = accepted_encoding()
    try:
        size = os.stat(meta[encoding or "plain"]).st_size
    except FileNotFoundError:
        meta = rebuild()
        size = os.stat(meta[encoding or "plain"]).st_size
    path = meta[encoding or "plain"]
    request.environ[UNKEPT] = True
    wrapper = request.environ.get("wsgi.file_wrapper")  # gunicorn's sends the file with sendfile()
    response = Response(wrapper(open(path, "rb"), CHUNK) if wrapper else _read_through(path, size),
                        mimetype=meta["mimetype"], direct_passthrough=True)
    response.content_length = size
    response.set_etag(meta["etag"] + ETAG_SUFFIX[encoding])
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response
