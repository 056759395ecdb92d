"""Privacy screening of pilot files: column names and values that look like personal data.

``personal_column`` and ``personal_value`` say what a name or value looks like (``"a postcode"``)
so that the reader can refuse it without repeating it.
"""

import re
import unicodedata

from meedoen.pilot.format import DOCS

AGGREGATES_ONLY = f"a pilot file holds aggregated counts only ({DOCS})"

# Column names that identify a person, matched on the name folded to lower-case letters and
# digits (accents, spaces, _, - and . removed): (what it is, patterns matched anywhere in the name).
PERSONAL_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("a burgerservicenummer", ("burgerservicenummer", "sofinummer", "sofinr", "socialsecurity")),
    ("a date of birth", ("geboorte", "dateofbirth", "birthdate", "birthday", "gebdat", "geboren")),
    ("an e-mail address", ("email",)),
    ("a postcode", ("postcode", "postalcode", "zipcode")),
    (
        "an address",
        ("adres", "address", "straat", "street", "huisnummer", "huisnr", "housenumber", "housenr"),
    ),
    ("a phone number", ("telefoon", "phone", "mobiel", "mobile", "telnr")),
    (
        "a name",
        (
            "voornaam",
            "achternaam",
            "familienaam",
            "geslachtsnaam",
            "meisjesnaam",
            "roepnaam",
            "voorletter",
            "tussenvoegsel",
            "firstname",
            "lastname",
            "surname",
            "givenname",
            "fullname",
            "volledigenaam",
            "initialen",
            "initials",
        ),
    ),
)
# Whole words (or whole folded names) that identify a person on their own.
PERSONAL_WORDS = {
    "bsn": "a burgerservicenummer",
    "dob": "a date of birth",
    "naam": "a name",
    "name": "a name",
    "tel": "a phone number",
    "gsm": "a phone number",
    "mail": "an e-mail address",
    "zip": "a postcode",
    "pc4": "a postcode",
    "pc6": "a postcode",
    "id": "an identifier (a client or record number)",
    "geb": "a date of birth",
}
# Words whose name is not a person's ("wijk naam").
THING_WORDS = {
    "wijk",
    "buurt",
    "district",
    "programme",
    "program",
    "programma",
    "project",
    "period",
    "periode",
}
# A person's number: one of these words with one of the next.
PERSON_WORDS = ("client", "klant", "deelnemer", "participant", "patient", "persoon", "person", "dossier")
NUMBER_WORDS = ("nummer", "nr", "number", "no", "id", "code", "naam", "name")

PERSONAL_VALUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")),
    ("a postcode", re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{3} ?[A-Za-z]{2}(?![A-Za-z])")),
    ("a phone number", re.compile(r"(?<![0-9])(\+31|0031|0)[ -]?[1-9]([ -]?[0-9]){8}(?![0-9])")),
    ("a burgerservicenummer", re.compile(r"(?<![0-9])[0-9]([ .]?[0-9]){8}(?![0-9])")),
    (
        "a date",
        re.compile(
            r"(?<![0-9])([0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4}|[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})"
            r"(?![0-9])"
        ),
    ),
    (
        "a date",
        re.compile(
            r"(?<![0-9])[0-9]{1,2}[ .-]*(jan|feb|mrt|maa|mar|apr|mei|may|jun|jul|aug|sep|okt|oct|nov|dec)"
            r"[a-z]*\.?[ .-]*[0-9]{2,4}(?![0-9])",
            re.IGNORECASE,
        ),
    ),
    (
        "a date",
        re.compile(
            r"(?<![0-9])((19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
            r"|(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])(19|20)[0-9]{2})(?![0-9])"
        ),
    ),
)


def _fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def personal_column(name: str) -> str | None:
    """What a column name looks like when it identifies a person (``"a name"``), else None."""
    folded = _fold(name)
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).casefold()) if w]
    words = [_fold(w) for w in words]
    compact = re.sub(r"[^a-z0-9]", "", folded)
    if "postcode" in compact and ("huisnummer" in compact or "housenumber" in compact):
        return "a postcode with house number"
    for what, patterns in PERSONAL_COLUMNS:
        if any(p in compact for p in patterns):
            return what
    for word in [*words, compact]:
        if word in ("naam", "name") and THING_WORDS.intersection(words):
            continue  # the name of a wijk or a programme, not of a person
        if word in PERSONAL_WORDS:
            return PERSONAL_WORDS[word]
        if word.startswith("bsn") or word.endswith("bsn"):
            return PERSONAL_WORDS["bsn"]
    for person in PERSON_WORDS:
        for number in NUMBER_WORDS:
            if compact in (person + number, number + person) or (person in words and number in words):
                return f"{'a name' if number in ('naam', 'name') else 'a client or record number'}"
    return None


def personal_value(text: str) -> str | None:
    """What a value looks like when it may be personal data (``"a postcode"``), else None."""
    for what, pattern in PERSONAL_VALUES:
        if pattern.search(text):
            return what
    return None
