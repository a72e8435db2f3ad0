"""Strip personal details from a message before it is kept for learning.

One pure function, :func:`redact`. It replaces, in this order:

- links -> ``[link]``; anything with an ``@`` -> ``[e-mail]``;
- IBANs -> ``[iban]``; Dutch phone numbers (``parsing.parse_phone``) -> ``[telefoon]``;
- KvK numbers (after "kvk") -> ``[kvk]``; postcodes -> ``[postcode]``;
- dates ("12-03-2024", "3 maart") -> ``[datum]``; years (1900-2099) -> ``[jaar]``;
- amounts ("EUR 12.500,-", "30k", "twintigduizend", "anderhalve ton") -> ``[bedrag]``;
  other numbers, in digits or words ("45", "drie") -> ``[getal]``;
- names -> ``[naam]``: the names given in ``known_names`` (the contact form), words
  after "ik heet", "mijn naam is", "ik ben", "met", "groet"..., capitalised words that
  do not start a sentence (except a short list of known terms such as Bbz, UWV,
  Belastingdienst), and a capitalised first word that the training data does not know.

It prefers removing too much over too little: a capitalised ordinary word in the middle
of a sentence becomes ``[naam]`` too. Whatever the patterns miss, no digit survives:
a last pass replaces every numeric character (any script) by ``[getal]``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional

import yaml

from actions.parsing import PHONE_CANDIDATE_RE, SCALE_WORDS, dutch_number_word, normalize, parse_phone

MAX_CHARS = 500
PLACEHOLDERS = ("[link]", "[e-mail]", "[iban]", "[telefoon]", "[kvk]", "[postcode]", "[datum]", "[jaar]",
                "[bedrag]", "[getal]", "[naam]")
NLU_DIR = Path(__file__).resolve().parent.parent / "data" / "nlu"

# Capitalised words that are no names and matter for learning: kept mid-sentence too.
KNOWN_TERMS = frozenset("""
ik u uw bbz ioaz ioaw aow ww wia wajong uwv kvk btw zzp zzp'er zzper zzp'ers bv b.v. vof v.o.f. nv
belastingdienst belasting gemeente tozo tonk qredits nibud svb cak cjib duo kvk-nummer iban
ondernemersloket schuldhulp schuldhulpverlening bijstand participatiewet
nederland nederlands nederlandse covid corona
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
januari februari maart april mei juni juli augustus september oktober november december
""".split())
# ordinary words that can follow a name cue ("met vriendelijke groet", "ik ben een starter")
COMMON_WORDS = frozenset("""
de het een en van voor naar met mijn uw je jullie ze zij hij wij we er daar hier nog niet wel al ook
vriendelijke hartelijke groet groeten gr bang blij bezorgd bezig eigenaar ondernemer starter alleen
""".split())
# words between two parts of one name: "Jan van der Berg" is one [naam]
NAME_PARTICLES = ("van", "de", "der", "den", "ter", "ten", "te", "het", "'t", "in", "op", "la", "le", "el", "al",
                  "bin", "ben", "d'", "v.d.", "vd")
_PARTICLE_RE = "|".join(re.escape(p) for p in NAME_PARTICLES)
# after these, the next word is a name when it is capitalised or not a known word
NAME_CUES = re.compile(r"(?i)\b(?:ik\s+heet|mijn\s+naam\s+is|naam\s+is|naam\s*:|ik\s+ben|dit\s+is|met|"
                       r"groet(?:en|jes)?|gr|mvg|vriendelijke\s+groet(?:en)?|m\.?v\.?g\.?)[\s,:]+")
# after these the next one to three words are the name, whatever their case
STRONG_CUES = re.compile(r"(?i)\b(?:ik\s+heet|mijn\s+naam\s+is|naam\s+is|naam\s*:)\s*")

_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
           "jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec")
_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_AT_RE = re.compile(r"\S*@\S*")
# Dutch IBANs with or without spaces, and other IBANs written without spaces
_IBAN_RE = re.compile(r"(?i)\b[a-z]{2}\d{2}\s?[a-z]{4}(?:\s?\d){10}(?!\d)|\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b")
_KVK_RE = re.compile(r"(?i)\b(kvk|kvk-nummer|kvknummer|kamer\s+van\s+koophandel)((?:\s*(?:nummer|nr\.?|is|:|-))*\s*)"
                     r"\d{8}\b")
_POSTCODE_RE = re.compile(r"\b[1-9]\d{3}\s?[A-Z]{2}\b|\b[1-9]\d{3}[a-z]{2}\b")
_DATE_NUMERIC_RE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?\b")
_DATE_WORDS_RE = re.compile(rf"(?i)\b\d{{1,2}}(?:e|ste|de)?\s+(?:{_MONTHS})\b\.?(?:\s+(?:19|20)\d{{2}}\b)?")
_YEAR_RE = re.compile(r"(?<![\d.,])\b(?:19|20)\d{2}\b(?![.,]\d)")
_SCALE = "|".join(re.escape(w) for w in sorted(SCALE_WORDS, key=len, reverse=True))
_AMOUNT_RE = re.compile(
    rf"(?i)(?P<euro>(?:€|\beur\b|\beuro\b)\s*)?"
    rf"(?P<num>\d+(?:[.,]\d+)*)(?:\s*,[-–—])?"
    rf"(?P<scale>\s*(?:{_SCALE})(?![a-z]))?"
    rf"(?P<after>\s*(?:€|euro\b|eur\b))?")
_STRONG_NAME_RE = re.compile(rf"(?:(?:{_PARTICLE_RE})\s+)*[^\W\d_][\w'’.-]*"
                             rf"(?:\s+(?:(?:{_PARTICLE_RE})\s+)+[^\W\d_][\w'’.-]*|\s+[A-Z][\w'’.-]*){{0,2}}")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_FRACTIONS = frozenset({"anderhalf", "anderhalve", "half", "halve"})
_SENTENCE_END = re.compile(r"[.!?]\s*$|^\s*$|\n\s*$")


@lru_cache(maxsize=1)
def known_words() -> FrozenSet[str]:
    """Words the training data uses in lower case (so not names): a capitalised first word
    of a sentence that is one of these is kept ("Omzet is gehalveerd")."""
    words = set(KNOWN_TERMS) | COMMON_WORDS
    for path in sorted(NLU_DIR.glob("*.yml")) if NLU_DIR.is_dir() else []:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            for line in str(item.get("examples") or "").splitlines():
                words.update(w for w in _WORD_RE.findall(line) if w.islower())
    return frozenset(words)


def _is_number_word(word: str) -> bool:
    norm = normalize(word)
    if norm in _FRACTIONS:
        return True
    return norm not in ("een", "eén") and dutch_number_word(norm) is not None


def _amount(match: "re.Match[str]") -> str:
    if match.group("euro") or match.group("after") or match.group("scale"):
        return "[bedrag]" + (" " if match.group(0).endswith(" ") else "")
    return "[getal]"


def _date(match: "re.Match[str]") -> str:
    day, month = int(match.group(1)), int(match.group(2))
    if 1 <= day <= 31 and 1 <= month <= 12:
        return "[datum]"
    return match.group(0)  # "10-20 uur": a range, read as numbers below


def _phone(match: "re.Match[str]") -> str:
    text = match.group(0)
    return "[telefoon]" if parse_phone(text) else text


def _number_words(text: str) -> str:
    """Numbers in words, joined with their scale word: "twaalf duizend", "dertig ruggen",
    "anderhalve ton" -> [bedrag]; "drie" -> [getal]."""
    out: List[str] = []
    pos = 0
    matches = list(_WORD_RE.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        if not _is_number_word(m.group(0)):
            i += 1
            continue
        j, amount = i, False
        while j + 1 < len(matches) and text[matches[j].end():matches[j + 1].start()].strip() == "":
            nxt = normalize(matches[j + 1].group(0))
            if _is_number_word(nxt) or nxt in ("en",) and j + 2 < len(matches) \
                    and _is_number_word(matches[j + 2].group(0)):
                j += 1
            elif nxt in SCALE_WORDS and len(nxt) > 1 or nxt in ("euro", "eur"):
                amount, j = True, j + 1
            else:
                break
        norm = normalize(m.group(0))
        amount = amount or norm.endswith(("duizend", "miljoen"))
        out.append(text[pos:m.start()])
        out.append("[bedrag]" if amount else "[getal]")
        pos = matches[j].end()
        i = j + 1
    out.append(text[pos:])
    return "".join(out)


def _numeric_left(text: str) -> str:
    """The last pass: every run of numeric characters, in any script, becomes [getal]."""
    out, run = [], False
    for ch in text:
        if ch.isnumeric() or ch.isdigit():
            if not run:
                out.append("[getal]")
            run = True
        else:
            out.append(ch)
            run = False
    return "".join(out)


def _known_names(text: str, names: Iterable[str]) -> str:
    parts = set()
    for name in names:
        for part in re.split(r"[\s\-']+", name or ""):
            if len(part) >= 2 and part.lower() not in NAME_PARTICLES:
                parts.add(part)
    for part in sorted(parts, key=len, reverse=True):
        text = re.sub(rf"(?i)(?<![\w\[]){re.escape(part)}(?![\w\]])", "[naam]", text)
    return text


def _cued_names(text: str, vocabulary: FrozenSet[str]) -> str:
    # after "ik heet" / "mijn naam is": the next one to three words, particles included,
    # whatever their case ("Jan de Vries", "fatima el amrani")
    out, pos = [], 0
    for cue in STRONG_CUES.finditer(text):
        if cue.start() < pos:
            continue
        words = _STRONG_NAME_RE.match(text, cue.end())
        if words:
            out += [text[pos:cue.end()], "[naam]"]
            pos = words.end()
    out.append(text[pos:])
    text = "".join(out)
    out, pos = [], 0
    for cue in NAME_CUES.finditer(text):
        word = _WORD_RE.match(text, cue.end())
        if not word or word.start() < pos:
            continue
        value = word.group(0)
        if value[:1].isupper() or value.lower() not in vocabulary:
            out.append(text[pos:word.start()])
            out.append("[naam]")
            pos = word.end()
    out.append(text[pos:])
    return "".join(out)


def _capitalised_names(text: str, vocabulary: FrozenSet[str]) -> str:
    out, pos = [], 0
    for m in _WORD_RE.finditer(text):
        word = m.group(0)
        if not word[:1].isupper() or text[max(0, m.start() - 1):m.start()] == "[":
            continue
        lower = word.lower()
        sentence_start = bool(_SENTENCE_END.search(text[:m.start()]))
        if lower in KNOWN_TERMS or (sentence_start and lower in vocabulary):
            continue
        out.append(text[pos:m.start()])
        out.append("[naam]")
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def redact(text: Optional[str], known_names: Iterable[str] = (), vocabulary: Optional[FrozenSet[str]] = None) -> str:
    """The message without numbers, e-mail addresses, phone numbers, IBANs, postcodes,
    KvK numbers, dates and names (see the module docstring); at most MAX_CHARS long."""
    vocabulary = known_words() if vocabulary is None else vocabulary
    text = " ".join((text or "").split())  # one line: newlines and tabs become spaces
    text = _known_names(text, known_names)
    text = _URL_RE.sub("[link]", text)
    text = _AT_RE.sub("[e-mail]", text)
    text = _IBAN_RE.sub("[iban]", text)
    text = PHONE_CANDIDATE_RE.sub(_phone, text)
    text = _KVK_RE.sub(lambda m: m.group(1) + m.group(2) + "[kvk]", text)
    text = _POSTCODE_RE.sub("[postcode]", text)
    text = _DATE_WORDS_RE.sub("[datum]", text)
    text = _DATE_NUMERIC_RE.sub(_date, text)
    text = _YEAR_RE.sub("[jaar]", text)
    text = _AMOUNT_RE.sub(_amount, text)
    text = _number_words(text)
    text = _numeric_left(text)
    for _ in range(5):  # until nothing changes: a stripped name can reveal the next cue
        before = text
        text = _capitalised_names(_cued_names(text, vocabulary), vocabulary)
        if text == before:
            break
    text = re.sub(rf"\[naam\](?:(?:\s+|\s*-\s*)(?:(?:{_PARTICLE_RE})\s+)*\[naam\])+", "[naam]", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0]
    return text
