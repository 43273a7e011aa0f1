"""Tables in and out of the files editors' spreadsheets make: CSV (``,`` or ``;``, UTF-8 with or without
a BOM, or Windows-1257) and XLSX.

Reading decides the kind by the content, never by the file's name, and returns every row as a dict
of cell texts by column, with what was read (``source``) so the preview can say so. Writing makes a
file that reads back to the same values.
"""
import csv
import datetime
import io
import re
import zipfile

from charset_normalizer import from_bytes
from flask_babel import format_decimal
from flask_babel import gettext as _

from .editing import EditError

__all__ = ["MAX_BYTES", "MAX_ROWS", "MAX_COLUMNS", "MAX_UNPACKED_BYTES", "FORMULA_STARTS", "safe_cell",
           "from_cell", "read_table", "csv_text", "xlsx_bytes"]

MAX_BYTES = 2_000_000
MAX_ROWS = 5_000
MAX_COLUMNS = 100  # the export has 28
MAX_UNPACKED_BYTES = 40_000_000  # an XLSX of 5 000 exported rows unpacks to about 8 MB
MAX_PARTS = 500  # files inside an XLSX; one written by a spreadsheet has about a dozen
FORMULA_STARTS = ("=", "+", "-", "@")  # a spreadsheet may run a cell starting so as a formula
PLAIN = re.compile(r"[+-][0-9 ().,/-]*")  # -5, +371 63 7 12345: no name, no reference, so nothing to run
BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SEPARATORS = (",", ";")


# --- the formula guard of CSV ------------------------------------------------------------------

def _runs(text):
    """Whether a spreadsheet opening a CSV would run ``text`` as a formula that can do something."""
    return text[:1] in ("=", "@") or (text[:1] in ("+", "-") and not PLAIN.fullmatch(text))


def safe_cell(value):
    """A CSV cell that no spreadsheet runs: a formula-like text (=HYPERLINK(…), @SUM(…), +A1) gets a
    leading apostrophe; numbers and phone numbers (-5, +371 63 7 12345) stay as they are.

    Text that is apostrophes before a formula gets one more, so ``from_cell`` reads every text back.
    """
    text = "" if value is None else str(value)
    return "'" + text if _runs(text.lstrip("'")) else text


def from_cell(text):
    """A CSV cell as it was before ``safe_cell``."""
    return text[1:] if text[:1] == "'" and _runs(text.lstrip("'")) else text


def csv_text(rows, fields):
    """A UTF-8 CSV text (with a BOM, so spreadsheets show ā and ų) of ``rows`` under ``fields``."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(fields)
    for row in rows:
        writer.writerow([safe_cell(row.get(f)) for f in fields])
    return out.getvalue()


# --- reading -----------------------------------------------------------------------------------

def read_table(data):
    """(header, rows of cells, source) of a CSV or XLSX file given as bytes; raises EditError naming
    the file, row or column. ``source`` says what was read: kind, encoding, separator or sheet.
    """
    if len(data) > MAX_BYTES:
        raise EditError([("file", _("The file is larger than 2 MB."))])
    if data[:4] == b"PK\x03\x04" or zipfile.is_zipfile(io.BytesIO(data)):
        return _read_xlsx(data)
    return _read_csv(data)


def _too_many_rows():
    return EditError([("file", _("The file has more than %(n)s rows; split it into smaller files.",
                                 n=format_decimal(MAX_ROWS)))])


def _decode(data):
    """The text of a CSV file and its encoding: UTF-8 (with or without a BOM) or Windows-1257.

    UTF-8 is tried first and strictly: text in another encoding is practically never valid UTF-8.
    Otherwise charset-normalizer judges whether the bytes read as Windows-1257 make sense as text
    (binary junk does not), which a byte-by-byte decode cannot tell.
    """
    sample = data[:65536]
    if len(BINARY.findall(sample)) > max(8, len(sample) // 100):  # a stray one in a cell is validation's to name
        raise EditError([("file", _("The file is not a CSV text file or an Excel workbook (.xlsx)."))])
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data[:3] == b"\xef\xbb\xbf" else "utf-8"
    except UnicodeDecodeError:
        pass
    if from_bytes(data, cp_isolation=["cp1257"]).best() is not None:
        try:
            return data.decode("cp1257"), "cp1257"
        except UnicodeDecodeError:  # a byte that Windows-1257 does not have
            pass
    raise EditError([("file", _("The file is neither UTF-8 nor Windows-1257 (Baltic) text; save it from the "
                                "spreadsheet as “CSV UTF-8”."))])


def _separator(text):
    """``;`` or ``,``: the one that makes a header with an 'id' column (and more columns), else ``,``."""
    line = re.split(r"[\r\n]", text, maxsplit=1)[0]

    def score(sep):
        cells = [c.strip() for c in next(csv.reader([line], delimiter=sep), [])]
        return "id" in cells, len(cells)
    return max(SEPARATORS, key=score)


def _read_csv(data):
    text, encoding = _decode(data)
    separator = _separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records = []
    try:
        header = [h.strip() for h in next(reader, [])]
        for cells in reader:
            if len(records) == MAX_ROWS:
                raise _too_many_rows()
            records.append([from_cell(c.strip()) for c in cells])
    except csv.Error:  # e.g. a cell over the csv module's 131 072 characters
        raise EditError([("row", _("Row %(row)d cannot be read: a cell may have at most a few thousand "
                                   "characters.", row=len(records) + 2))]) from None
    return header, [cells for cells in records if cells], {"kind": "csv", "encoding": encoding,
                                                           "separator": separator}


# --- XLSX --------------------------------------------------------------------------------------

def _not_xlsx():
    return EditError([("file", _("The file is a zip archive but not an Excel workbook (.xlsx)."))])


def _check_zip(data):
    """Refuse, before any XML is parsed, what is no workbook or would unpack to too much (a zip bomb).

    The sizes checked are those the archive declares; zipfile never unpacks more than that.
    """
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        raise _not_xlsx() from None
    names = {p.filename for p in parts}
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise _not_xlsx()
    if any(p.flag_bits & 0x1 for p in parts):
        raise EditError([("file", _("The workbook is protected by a password; save it without one."))])
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
        raise EditError([("file", _("The workbook unpacks to more than %(mb)d MB; a workbook of %(n)s rows "
                                    "is far smaller. Save only the centres' sheet.",
                                    mb=MAX_UNPACKED_BYTES // 1_000_000, n=format_decimal(MAX_ROWS)))])


def _workbook(data):
    import openpyxl  # here, not at start-up: only an XLSX upload needs it
    if not openpyxl.DEFUSEDXML:  # without defusedxml, openpyxl's XML parser would expand entities
        raise EditError([("file", _("This server cannot read Excel workbooks; upload a CSV file."))])
    try:  # read_only streams the sheet; formulas are read as formulas (data_only=False), never run
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl reports a damaged or hostile workbook in many ways; none is for the user
        raise _not_xlsx() from None


def _read_xlsx(data):
    _check_zip(data)
    book = _workbook(data)
    try:
        sheet = book.worksheets[0]
        rows_, columns = sheet.max_row or 0, sheet.max_column or 0  # as the sheet declares; checked again below
        if rows_ > MAX_ROWS + 1 or columns > MAX_COLUMNS:
            raise _sheet_too_big(sheet.title, rows_, columns)
        header, records = _sheet_rows(sheet)
    except EditError:
        raise
    except Exception:  # a part that is no valid XML (or an entity defusedxml refused) shows only here
        raise _not_xlsx() from None
    finally:
        book.close()
    return header, records, {"kind": "xlsx", "sheet": sheet.title}


def _sheet_too_big(title, rows_, columns):
    return EditError([("file", _("The sheet %(sheet)r has %(rows)s rows and %(columns)d columns; at most %(max)s "
                                 "rows and %(max_columns)d columns are read.", sheet=title, rows=format_decimal(rows_),
                                 columns=columns, max=format_decimal(MAX_ROWS), max_columns=MAX_COLUMNS))])


def _sheet_rows(sheet):
    header, records, problems = None, [], []
    for row_no, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
        if row_no > 2 * MAX_ROWS + 1:
            raise _too_many_rows()
        if len(cells) > MAX_COLUMNS and cells[MAX_COLUMNS].value is not None:
            raise _sheet_too_big(sheet.title, row_no, MAX_COLUMNS + 1)
        texts = [_cell_text(c, row_no, header, problems) for c in cells]
        while texts and texts[-1] == "":
            texts.pop()
        if header is None:
            header = [t.strip() for t in texts] if texts else None
        elif texts:
            if len(records) == MAX_ROWS:
                raise _too_many_rows()
            records.append(texts + [""] * (len(header) - len(texts)))
    if problems:
        raise EditError(problems[:20])
    return header or [], records


def _cell_text(cell, row_no, header, problems):
    """A cell's value as the text a CSV cell would hold; a formula or an error cell is a problem."""
    value, kind = cell.value, getattr(cell, "data_type", None)
    if value is None:
        return ""
    column = (header[cell.column - 1] if header and cell.column <= len(header) else None) or getattr(
        cell, "column_letter", "?")
    if kind == "f":
        problems.append((column, _("Row %(row)d, column %(column)s: %(value)r is a formula; type its value "
                                   "instead (formulas are not imported).", row=row_no, column=column,
                                   value=str(value)[:60])))
        return ""
    if kind == "e":
        problems.append((column, _("Row %(row)d, column %(column)s: %(value)r is a spreadsheet error, not a "
                                   "value.", row=row_no, column=column, value=str(value)[:20])))
        return ""
    return _as_text(value)


def _as_text(value):
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def xlsx_bytes(rows, fields, title, numbers=("lat", "lon", "version"), legend=None):
    """An XLSX workbook of ``rows`` under ``fields``: text as text cells (no formula guard is needed:
    a text cell is never run), the ``numbers`` fields as numbers. ``legend`` (title, rows of text) adds a
    second sheet, e.g. what each column means in the reader's language; an import reads the first sheet."""
    import openpyxl
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(fields))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, row.get(f), f in numbers) for f in fields])
    if legend:
        notes = book.create_sheet(legend[0][:31])
        for cells in legend[1]:
            notes.append([_xlsx_cell(notes, c, False) for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, value, number):
    from openpyxl.cell import WriteOnlyCell
    if value is None or value == "":
        return None
    if number and isinstance(value, (int, float)):
        return value
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # openpyxl would store '=…' as a formula
    return cell
