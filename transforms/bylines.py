"""Bylines and author fields: person names in name case, and the news agency apart.

Author fields in the wild mix people with everything else: job titles ("A, Economics
correspondent"), places ("By A in Kyiv"), agencies ("A | Reuters"), e-mail addresses,
profile URLs, site names ("The Daily Sheeple"), taglines and form placeholders ("Please
Enter Your Name Here"). ``parse_byline`` keeps only what reads as a person's name and
moves a credited news agency to its own field. It is rule-based, with no name list:
a part is a name when it is two to five capitalised name tokens, none of which is a
function word, an organisation word or a job title. That keeps precision high (a site
name wrongly kept as an author is worse than a name missed) at the cost of dropping
single-word pen names ("Madonna"). Names made of words are names: a capitalised common
word or month ends a name as its surname ("Roger May", "Peter Read", "Joshua So"), a
few words and honorifics start one ("Will Smith", "Dean Lokken"), and lower-case
particles belong to it ("van", "de", "bin", "al-", "d'Afflisio"). A publisher's name
("Ediciones El País") is an organisation, and "Reuter" is the agency.

``is_byline`` says whether a body paragraph is nothing but a byline ("By Anthony Solly");
``find_bylines``, a paragraph step, finds such a paragraph first or last in a body, and
``merge_bylines`` joins the author field's byline with the body's.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from transforms.records import Paragraph


@dataclass(frozen=True)
class Byline:
    """Person names in name case, and the canonical name of a credited news agency."""

    authors: list[str] = field(default_factory=list)
    agency: str | None = None


# Lower-cased spellings of news agencies -> canonical name. Matched against a whole
# segment of a byline ("A | Reuters", "By Reuters Staff"), never inside a name, so
# "Michael Bloomberg" stays a person.
AGENCIES: dict[str, str] = {
    "reuters": "Reuters", "reuter": "Reuters", "thomson reuters": "Reuters", "reuters news agency": "Reuters",
    "ap": "AP", "associated press": "AP", "the associated press": "AP", "ap news": "AP",
    "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP",
    "agence france press": "AFP",
    "bloomberg": "Bloomberg", "bloomberg news": "Bloomberg",
    "pa": "PA", "press association": "PA", "the press association": "PA", "pa media": "PA",
    "pa wire": "PA", "pa news agency": "PA",
    "dpa": "dpa", "deutsche presse-agentur": "dpa", "deutsche presse agentur": "dpa",
    "upi": "UPI", "united press international": "UPI",
    "xinhua": "Xinhua", "xinhua news agency": "Xinhua",
    "kyodo": "Kyodo", "kyodo news": "Kyodo",
    "ansa": "ANSA", "efe": "EFE", "agencia efe": "EFE", "interfax": "Interfax",
    "tass": "TASS", "itar-tass": "TASS", "ria novosti": "RIA Novosti",
    "anadolu agency": "Anadolu", "anadolu": "Anadolu", "yonhap": "Yonhap",
    "press trust of india": "PTI", "pti": "PTI", "ians": "IANS", "ani": "ANI",
    "australian associated press": "AAP", "aap": "AAP",
    "canadian press": "CP", "the canadian press": "CP", "cp": "CP",
    "jiji press": "Jiji", "jiji": "Jiji", "bernama": "Bernama",
}
# Codes that are also names or words count only in capitals ("AP", not "Ap"; "ANI", not "Ani").
_CAPS_ONLY = frozenset({"ap", "pa", "cp", "ani"})

# Words that introduce a byline.
_LEAD = re.compile(
    r"^(?:(?:written|posted|reported|compiled|edited|photographed|produced|story|words|text"
    r"|report|reporting|analysis|interview|video|photos?|opinion)\s+)?by[:\s]+"
    r"|^(?:authors?|byline|from|credit|source)\s*:\s*",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b\S+\.(?:com|org|net|co\.uk)/\S*", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_CONTACT_LABEL = re.compile(r"\b(?:e-?mail|twitter|follow(?:\s+\w+)?\s+on(?:\s+twitter)?"
                            r"|contact|tel|phone)\s*:?\s*(?=[,|;)\]]|$)", re.IGNORECASE)
_SEGMENT_SPLIT = re.compile(r"\s*(?:[|\u2022\u00b7;\n\r]+|\s[-\u2013\u2014]+\s|\s/\s|\(|\)|\[|\])\s*")
_PART_SPLIT = re.compile(r"\s*,\s*|\s+(?:and|&|und|et|y)\s+", re.IGNORECASE)
# "By A in Kyiv", "By A at Westminster", "By A reporting from Gaza", "By A for MailOnline".
_PLACE = re.compile(r"\s+(?:in|at|from|reporting\s+from|for|on)\s+(?:the\s+)?[A-Z\u00c0-\u024f].*$")

# Job titles and the words that qualify them. A part made only of these is a role.
ROLE_WORDS = frozenset(
    """correspondent correspondents editor editors reporter reporters writer writers columnist
    columnists contributor contributors producer producers analyst analysts journalist
    journalists photographer photographers author authors blogger bloggers host anchor
    presenter critic critics commentator commentators chief director founder co-founder
    cofounder ceo manager intern fellow researcher researchers staff staffer staffers team
    desk bureau newsroom publisher owner spokesman spokeswoman spokesperson moderator
    administrator admin webmaster curator reviewer illustrator cartoonist videographer
    editor-at-large at-large head lead wires agencies""".split()
)
ROLE_MODIFIERS = frozenset(
    """senior chief deputy associate assistant executive managing contributing political
    politics economics economic business foreign diplomatic defence defense security health
    science technology tech environment environmental sports sport arts culture
    entertainment media legal home affairs international national regional investigative
    special guest freelance world news local city metro education crime transport royal
    social consumer personal finance financial markets energy climate global data digital
    features opinion congressional white house europe european america american asia africa
    middle east north south west correspondents staff general senior-level principal
    editorial community audience breaking weekend night online web video photo picture
    graphics multimedia visual investigations court courts justice policy food travel style
    fashion music film books property motoring religious religion education parliamentary
    westminster washington bureau-chief contributing-editor""".split()
)
# Roles that make the whole part a body of people, not a person ("Examiner Staff").
_COLLECTIVE = frozenset({"staff", "team", "desk", "editors", "reporters", "newsroom", "bureau",
                         "writers", "contributors", "correspondents", "staffers", "wires",
                         "agencies"})
HONORIFICS = frozenset(
    """mr mrs ms miss mx dr prof professor sir dame lord lady rev reverend fr father sen senator
    rep representative gov governor president pres gen general col capt captain sgt lt hon
    rabbi imam sheikh pastor bishop judge justice dean baroness baron sister brother""".split()
)
# Words that do not occur in personal names but do in site names, taglines and
# placeholders. Common surnames are left out on purpose (Stone, King, Church, Love, Post).
ORG_WORDS = frozenset(
    """news times daily weekly herald tribune journal gazette magazine mag blog blogs report
    reports review digest insider today tonight online network radio tv television channel
    media press group project foundation institute institution society association council
    committee center centre university college school academy observatory agency service
    services research strategies solutions consulting partners company corp corporation inc
    llc ltd plc org world global international national america american european watch
    sources team staff desk editorial board office department ministry government party
    campaign movement alliance coalition union federation league club ministries publishing
    publications books photos pictures images films productions studio studios store shop
    market marketing health science spirituality spiritual living life truth freedom liberty
    patriot patriots revolution revolt conspiracy sheeple corner view views voice voices
    forum tribune post-gazette examiner reporter chronicle courier telegraph observer
    guardian independent express standard mirror star bulletin dispatch monitor
    sentinel register leader record wire enquirer inquirer newsletter podcast show live tube
    earth universe nature natural psychic divine wisdom cosmic healing witch witchery
    politics policy economics finance bank capital holdings technologies systems labs
    website site web net com info editorial administrator admin webmaster
    ediciones edicions editions éditions edições editora editori editrice verlag uitgeverij
    grupo gruppo diario periódico periodico noticias prensa presse zeitung redacción redaccion
    rédaction""".split()
)
# Function words and the like: a part containing one is a phrase, not a name.
STOPWORDS = frozenset(
    """the a an of for and or to with in on at by from our my your his her their its this that
    these those is are was were be been being there here no not nor without because please
    enter name about more all new up down how why what who whom whose which you we it as if
    but so then than into onto over under posted updated share tweet email comment comments
    follow subscribe read view click contact anonymous unknown guest user none null n/a na
    only just also very much many some any each every other such own same too can will
    would should could may might must shall has have had do does did
    monday tuesday wednesday thursday friday saturday sunday""".split()
)
# Words that, capitalised, end a name as a surname ("Roger May", "Peter Read", "Joshua
# So"): every stopword but these, which never do.
_NEVER_SURNAMES = frozenset(
    """the a an of for and or to with in on at by from this that these those here there
    is are was were be been being no not nor without because please about more all new
    up down how why what who whom whose which you we it as if into onto over under
    anonymous unknown guest user none null n/a na""".split()
)
# Common words that are also given names, first in a name ("Will Smith", "May Ng").
_GIVEN_NAME_WORDS = frozenset({"will", "may"})
# Honorifics that are also given names: "Dean Lokken" is a person, "Dr Lokken" is not.
_GIVEN_NAME_HONORIFICS = frozenset({"dean"})
# Lower-case prefixes glued to a surname: "d'Afflisio", "l'Estrange", "dell'Orto".
_GLUED_PARTICLE = re.compile(r"^(?:d|l|dall|dell|degli|sull)['’](?=[^\W\d_])", re.IGNORECASE)

# Lower-case particles inside names ("Ludwig van Beethoven", "Bashar al-Assad").
PARTICLES = frozenset(
    "van von de da del della dei di du la le den der ter ten bin binti ibn al el dos das do "
    "st st. zu".split()
)
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md"})
_MONTH_NAMES = frozenset(
    "january february march april june july september october november december".split()
)

_LETTERS = r"[^\W\d_]"
_NAME_TOKEN = re.compile(rf"^{_LETTERS}(?:{_LETTERS}|['\u2019.-](?={_LETTERS}))*\.?$")
_INITIALS = re.compile(rf"^(?:{_LETTERS}\.){{1,3}}$|^{_LETTERS}$")
_VOWEL = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿ]", re.IGNORECASE)
# Qualifiers that are also given names.
_FIRST_NAME_MODIFIERS = frozenset({"washington", "asia", "justice", "court", "lead", "home"})
_CJK_NAME = re.compile(r"^[\u4e00-\u9fff\u3400-\u4dbf\uac00-\ud7af]{2,4}$")
_NO_VOWEL_SURNAMES = frozenset({"ng", "ly", "wu"})

# Lower-case words inside an outlet's name ("Bureau of Investigative Journalism").
_TITLE_CONNECTORS = frozenset({"of", "the", "and", "for", "to", "de", "du", "la", "le", "di", "y",
                               "&"})

PartKind = Literal["person", "agency", "role", "org", "place", "junk"]


def _agency_of(text: str) -> tuple[bool, str | None]:
    """(is an agency credit, canonical name) for a whole segment such as "Reuters Staff"."""
    words = text.strip(" .,:'\"").split()
    if not words:
        return False, None
    # Roles after an agency ("AP Writer", "Reuters staff") still credit the agency.
    while len(words) > 1 and words[-1].lower().strip(".") in ROLE_WORDS | {"news", "wire"}:
        if " ".join(words).lower() in AGENCIES:
            break
        words = words[:-1]
    key = " ".join(words).lower()
    if key not in AGENCIES:
        return False, None
    if key in _CAPS_ONLY and " ".join(words) != key.upper():
        return False, None
    return True, AGENCIES[key]


def agency_name(text: str) -> str | None:
    """The canonical name of the news agency a whole segment names, else None.

    >>> agency_name("REUTER"), agency_name("AP"), agency_name("Ap"), agency_name("Paul Reuter")
    ('Reuters', 'AP', None, None)
    """
    return _agency_of(text)[1]


def _case_token(token: str, first: bool) -> str:
    """Name case for one token: "O'NEIL" -> "O'Neil", "MCLEOD"/"Mcleod" -> "McLeod"."""
    low = token.lower()
    if not first and low in PARTICLES:
        return low
    glued = _GLUED_PARTICLE.match(token)
    if glued and not first:
        return low[: glued.end()] + _case_token(token[glued.end():], True)  # "d'AFFLISIO" -> "d'Afflisio"
    if low in {"ii", "iii", "iv"}:
        return token.upper()
    if low in {"jr", "sr", "jr.", "sr."} and not first:
        return low.capitalize()
    if _INITIALS.match(token):
        return token.upper()
    letters = re.sub(r"[^\w]", "", token)
    # Two consonants are initials run together ("JB Williams"), except real surnames.
    if len(letters) == 2 and not _VOWEL.search(letters) and low not in _NO_VOWEL_SURNAMES:
        return token.upper()
    if not first and re.match(r"^(?:al|el)-", low) and (token.isupper() or token.islower()):
        return low[:3] + _case_token(token[3:], True)  # "AL-ASSAD" -> "al-Assad"
    if token.isupper() or token.islower():
        # Capitalise after hyphens and apostrophes: "jean-paul" -> "Jean-Paul".
        token = re.sub(rf"{_LETTERS}+", lambda m: m.group(0).capitalize(), low)
        token = re.sub(r"(?<=[A-Za-z])['\u2019]S\b", lambda m: m.group(0).lower(), token)
    # "Mcleod" is what str.title() makes of McLeod; nobody spells it that way.
    token = re.sub(r"^Mc([a-z])", lambda m: "Mc" + m.group(1).upper(), token)
    return token


def name_case(name: str) -> str:
    """Put a person's name in name case; mixed-case input keeps its own capitals.

    >>> name_case("JOHN MCDONALD-O'NEIL JR")
    "John McDonald-O'Neil Jr"
    """
    tokens = name.split()
    return " ".join(_case_token(t, i == 0) for i, t in enumerate(tokens))


def _strip_roles(tokens: list[str]) -> tuple[list[str], bool, bool]:
    """Drop job titles and honorifics at either end of a part.

    Returns the remaining tokens, whether a role was removed, and whether the role was a
    collective one ("Examiner Staff", "Telegraph Reporters") that makes the part a body
    of people rather than a person. A run of qualifiers is only a role when it holds a
    job title: "Carol White" keeps "White", "Chief White House Correspondent" goes.
    """

    def low(tok: str) -> str:
        return tok.lower().strip(".,:")

    def is_role_ish(tok: str) -> bool:
        return low(tok) in ROLE_WORDS or low(tok) in ROLE_MODIFIERS or low(tok) in {"of", "the"}

    removed = collective = False
    # Leading: "Dr Jane Doe", "President Ron Paul", "Political Editor Laura Kuenssberg".
    while tokens and low(tokens[0]) in HONORIFICS:
        if low(tokens[0]) in _GIVEN_NAME_HONORIFICS and len(tokens) == 2:
            break  # "Dean Lokken": a given name, not the title of a one-word name
        tokens = tokens[1:]
    run = 0
    while run < len(tokens) and is_role_ish(tokens[run]):
        run += 1
    if run and any(low(t) in ROLE_WORDS for t in tokens[:run]):
        tokens, removed = tokens[run:], True
    # Trailing: "John Smith Staff Writer", "Examiner Staff".
    run = 0
    while run < len(tokens) and is_role_ish(tokens[len(tokens) - 1 - run]):
        run += 1
    if run and any(low(t) in ROLE_WORDS for t in tokens[len(tokens) - run:]):
        collective = low(tokens[-1]) in _COLLECTIVE
        tokens, removed = tokens[: len(tokens) - run], True
    return tokens, removed, collective


def _is_person(tokens: list[str]) -> bool:
    """Two to five capitalised name tokens, none of them a non-name word."""
    if len(tokens) == 1 and _CJK_NAME.match(tokens[0]):
        return True  # Chinese and Korean names are written without spaces
    # A suffix only counts at the end: a leading "Jr" is initials ("JR Dieckmann").
    core = tokens[:1] + [t for t in tokens[1:] if t.lower() not in SUFFIXES]
    if not 2 <= len(core) <= 5:
        return False
    if sum(1 for t in core if t.lower() not in PARTICLES) < 2:
        return False
    for i, tok in enumerate(core):
        low = tok.lower()
        if not _NAME_TOKEN.match(tok):
            return False
        if i > 0 and len(tok) == 1 and tok.isupper():
            continue  # a middle initial without its dot ("Joseph A Olson"), not "a"
        if low in STOPWORDS and low not in PARTICLES:
            # A capitalised common word can be a surname, last after a given name.
            surname = i == len(core) - 1 and i > 0 and low not in _NEVER_SURNAMES
            if not (tok[0].isupper() and (surname or (i == 0 and low in _GIVEN_NAME_WORDS))):
                return False
        if low in ORG_WORDS or low in ROLE_WORDS:
            return False
        if re.search(r"['\u2019]s$", low):  # "Caroline's Blog": a possessive is not a name
            return False
        if i > 0 and (low in PARTICLES or re.match(r"^(?:al|el)-", low) or _GLUED_PARTICLE.match(tok)):
            continue
        if not tok[0].isupper():
            return False
    # A job qualifier is not a first name ("Royal Appointment", "Political Desk").
    if core[0].lower() in ROLE_MODIFIERS and core[0].lower() not in _FIRST_NAME_MODIFIERS:
        return False
    # A surname has a vowel ("Downsize DC" is an organisation); a lone initial may not.
    last = re.sub(r"[^\w]", "", core[-1]).lower()
    if (len(last) > 1 and last.isascii() and not _VOWEL.search(last)
            and last not in _NO_VOWEL_SURNAMES):
        return False
    # An acronym in front is an organisation ("CNN Wire", "BBC Sport"), unlike the
    # capitalised surname of "Jane DOE" or the initials of "JB Williams".
    first = core[0]
    if (3 <= len(first) <= 4 and first.isalpha() and first.isupper()
            and not all(t.isupper() for t in core)):
        return False
    if all(t.lower() in _MONTH_NAMES for t in core):
        return False
    return True


def _classify_part(part: str) -> tuple[PartKind, str | None]:
    """Say what one comma/and-separated part of a byline is, and its value."""
    part = _LEAD.sub("", part.strip(" .,:;'\"")).strip(" .,:;'\"")
    if not part:
        return "junk", None
    is_agency, agency = _agency_of(part)
    if is_agency:
        return "agency", agency
    place = _PLACE.search(part)
    head = part[: place.start()] if place else part
    tokens = head.split()
    # ALL-CAPS or all-lower parts are names in the wrong case, not acronyms; lower-case
    # particles do not count ("TED d'AFFLISIO", "JAN van DYK").
    bare = " ".join(_GLUED_PARTICLE.sub("", t) for t in tokens if t.lower() not in PARTICLES)
    if head.isupper() or head.islower() or (bare and bare.isupper()):
        tokens = name_case(head).split()
    stripped, had_role, collective = _strip_roles(tokens)
    if collective:
        return "org", None
    if not stripped:
        return ("role", None) if had_role else ("junk", None)
    is_agency, agency = _agency_of(" ".join(stripped))
    if is_agency:
        return "agency", agency
    if _is_person(stripped):
        return "person", name_case(" ".join(stripped))
    capitalised = not head.islower() and stripped[0][0].isupper() and all(
        (_NAME_TOKEN.match(t) and t[0].isupper()) or t in _TITLE_CONNECTORS for t in stripped
    )
    if not capitalised:
        return "junk", None
    if place or len(stripped) > 3 or any(t.lower() in ORG_WORDS | STOPWORDS for t in stripped):
        # "The Washington Post", "BBC News": an outlet named after the author.
        return "org", None
    # One to three capitalised words that are not a name: a place ("Kyiv") or a
    # one-word name; either way not an author.
    return "place", None


def _clean(text: str) -> str:
    text = html.unescape(text)
    text = _EMAIL.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _CONTACT_LABEL.sub(" ", text)
    # Collapse white space but keep line breaks, which separate credits.
    return re.sub(r"[^\S\n]+", " ", text).strip()


def _analyse(text: str) -> tuple[list[str], str | None, list[PartKind]]:
    """Split a byline into parts and classify each; returns names, agency and part kinds."""
    authors: list[str] = []
    agency: str | None = None
    kinds: list[PartKind] = []
    for segment in _SEGMENT_SPLIT.split(_clean(text)):
        segment = _LEAD.sub("", segment.strip(" .,:;")).strip()
        if not segment:
            continue
        is_agency, seg_agency = _agency_of(segment)
        if is_agency:
            agency = agency or seg_agency
            kinds.append("agency")
            continue
        for part in _PART_SPLIT.split(segment):
            if not part.strip():
                continue
            kind, value = _classify_part(part)
            kinds.append(kind)
            if kind == "person" and value and value.casefold() not in {
                a.casefold() for a in authors
            }:
                authors.append(value)
            elif kind == "agency" and value:
                agency = agency or value
    return authors, agency, kinds


def parse_byline(text: str | list[str] | None) -> Byline:
    """Person names and the news agency from a byline or an author field.

    >>> parse_byline("By JANE DOE and John Smith, Political Correspondents | Reuters")
    Byline(authors=['Jane Doe', 'John Smith'], agency='Reuters')
    """
    if not text:
        return Byline([], None)
    if isinstance(text, str):
        items = [text]
    elif isinstance(text, list | tuple):
        # JSON author lists hold names, or objects with a name ({"name": "Jane Doe"}).
        items = [t if isinstance(t, str) else str(t.get("name") or "") if isinstance(t, dict)
                 else "" for t in text]
    else:
        items = []
    authors: list[str] = []
    agency: str | None = None
    for item in items:
        names, item_agency, _ = _analyse(item)
        for name in names:
            if name.casefold() not in {a.casefold() for a in authors}:
                authors.append(name)
        agency = agency or item_agency
    return Byline(authors, agency)


_BYLINE_START = re.compile(r"^(?:By|BY)\s+(?=\S)|^(?:Written|Words|Reporting|Report|Story|Text)"
                           r"\s+by\s+(?=\S)")
MAX_BYLINE_CHARS = 160
# The words _BYLINE_START can open with.
_BYLINE_OPENINGS = ("By", "BY", "Written", "Words", "Reporting", "Report", "Story", "Text")


def is_byline(paragraph: str) -> bool:
    """True when a body paragraph is only a byline, such as "By Anthony Solly".

    Every part after "By" must be a name, an agency, a job title or a place, so an
    ordinary sentence that starts with "By" is not a byline.

    >>> is_byline("By Anthony Solly"), is_byline("By Monday the talks had ended.")
    (True, False)
    """
    # The text below starts with the paragraph's first non-space characters (every line
    # boundary is white space), so without one of the openings _BYLINE_START needs there
    # it cannot match: most paragraphs stop here, unsplit.
    if not paragraph.lstrip().startswith(_BYLINE_OPENINGS):
        return False
    # Keep line breaks: "By Jane Doe\nBBC News" is two credits, not one four-word name.
    lines = (" ".join(line.split()) for line in paragraph.splitlines())
    text = "\n".join(line for line in lines if line)
    if not text or len(text) > MAX_BYLINE_CHARS or not _BYLINE_START.match(text):
        return False
    if re.search(r"\d", _clean(text)) or text.count(".") > 4 or "?" in text or "!" in text:
        return False
    authors, agency, kinds = _analyse(text)
    if not (authors or agency):
        return False
    if kinds[0] not in ("person", "agency"):
        return False
    return all(k in ("person", "agency", "role", "place", "org") for k in kinds)


def find_bylines(paragraphs: Sequence[Paragraph], title: str | None = None) -> dict[int, None]:
    """The byline paragraphs of a body, by position (a paragraph step: ``transforms.cleaning``).

    A byline stands first or last among the kept paragraphs, never as the only one. ``title``
    is not used: every paragraph step takes it.

    >>> find_bylines([Paragraph(0, "Talks ended."), Paragraph(1, "By Anthony Solly")])
    {1: None}
    """
    kept = [p for p in paragraphs if p.status == "kept"]  # a sign-off may end the body
    candidates = [kept[0], kept[-1]] if len(kept) > 1 else []
    return {p.position: None for p in candidates if is_byline(p.text)}


def merge_bylines(bylines: Iterable[Byline]) -> Byline:
    """One byline from several (an author field, then the body's first and last paragraph):
    authors in order of appearance, the first agency credited.

    >>> merge_bylines([Byline(["Jo Bloggs"]), Byline(["Ann Lee", "Jo Bloggs"], "Reuters")])
    Byline(authors=['Jo Bloggs', 'Ann Lee'], agency='Reuters')
    """
    merged = Byline()
    for byline in bylines:
        merged = Byline(
            authors=merged.authors + [a for a in byline.authors if a not in merged.authors],
            agency=merged.agency or byline.agency,
        )
    return merged
