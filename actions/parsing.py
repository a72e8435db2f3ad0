"""Dutch answer parsing: user text -> typed values.

Pure functions, no I/O. Every parser returns ``None`` when it cannot understand the
text; range checks (age 300, 200 hours a week) are the caller's job, so a parser
returns what the user said and validation decides whether it is plausible.
"""
from __future__ import annotations

import bisect
import re
from datetime import date
from functools import lru_cache
from typing import Iterable, List, Optional, Sequence, Tuple

from zelfscan_nlu.text import contains_phrase, normalize

UNKNOWN = "onbekend"

# --------------------------------------------------------------------------- text


# normalize and contains_phrase come from zelfscan_nlu/text.py, the one normaliser
# (the action server, the crisis patterns and the channels share it)

_DONT_KNOW = [
    "weet ik niet", "weet ik nie", "weet niet", "geen idee", "geen flauw idee", "geen benul",
    "onbekend", "weet het niet", "weet ik het niet", "ik weet het niet", "kan ik niet zeggen",
    "zeg ik liever niet", "liever niet zeggen", "wil ik niet zeggen", "zeg ik niet",
    "geen antwoord", "sla over", "overslaan", "skip", "ik weet het niet precies",
    "geen zicht op", "moet ik opzoeken", "weet ik eigenlijk niet", "dat weet ik niet",
    # the few English words people use in Dutch chats too
    "i don't know", "i dont know", "don't know", "dont know", "no idea", "not sure",
]


def is_dont_know(text: str) -> bool:
    norm = normalize(text)
    return any(contains_phrase(norm, p) for p in _DONT_KNOW) or norm in {"?", "??", "idk", "wn"}


# ------------------------------------------------------------------ Dutch numerals

_UNITS = {
    "nul": 0, "een": 1, "eén": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5,
    "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
}
_TEENS = {
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
    "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19,
}
_TENS = {
    "twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60,
    "zeventig": 70, "tachtig": 80, "negentig": 90,
}
_MULTIPLIERS = [("miljoen", 1_000_000), ("duizend", 1000), ("honderd", 100)]
# no numeral a person writes is longer ("zevenhonderdzevenenzeventigduizendzevenhonderdzevenenzeventig"
# is 59); longer words are not numbers, which keeps the parser linear on long input
_LONGEST_NUMERAL = 64
_MAX_NUMERAL_WORDS = 6


def _below_hundred(word: str) -> Optional[int]:
    if word == "":
        return None
    for table in (_UNITS, _TEENS, _TENS):
        if word in table:
            return table[word]
    for tens_word, tens in _TENS.items():
        if word.endswith(tens_word):
            head = word[: -len(tens_word)]
            for joiner in ("en", "ën"):
                if head.endswith(joiner) and head[: -len(joiner)] in _UNITS:
                    return _UNITS[head[: -len(joiner)]] + tens
    return None


def dutch_number_word(word: str) -> Optional[int]:
    """Parse one Dutch numeral written as a word: 'twaalfduizend' -> 12000.

    Handles compounds such as 'vijfentwintigduizend', 'tweehonderdvijftig',
    'vijftienhonderd' and 'drieduizendvijfhonderd'.
    """
    word = word.strip().lower().replace("ë", "e").replace("-", "")
    if not word or len(word) > _LONGEST_NUMERAL:
        return None
    for mult_word, mult in _MULTIPLIERS:
        if mult_word in word:
            head, _, tail = word.partition(mult_word)
            head_value = 1 if head in ("", "een") else dutch_number_word(head)
            if head_value is None or head_value >= mult * (1000 if mult < 1_000_000 else 1):
                return None
            tail_value = 0 if tail == "" else dutch_number_word(tail)
            if tail_value is None or (tail and tail_value >= mult):
                return None
            return head_value * mult + tail_value
    return _below_hundred(word)


# --------------------------------------------------------------- numbers in text

_NUMBER_RE = re.compile(
    r"(?<![\w])(?P<sign>[-\u2212])?\s*(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d+)?)"
    r"(?:,-|,—)?"
)


def _to_float(num: str) -> float:
    """'12.500' -> 12500, '12,5' -> 12.5, '1.234,56' -> 1234.56, '12,500' -> 12500."""
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?", num):
        return float(num.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d{1,2})?", num):
        return float(num.replace(",", ""))
    return float(num.replace(",", "."))


# The one table of scale words after a number ("30k", "dertig ruggen", "anderhalve ton").
# A "rug" (plural "ruggen") is slang for 1,000 euro, as is a "mille". Both patterns below
# are built from this table, so digits and number words scale alike.
SCALE_WORDS = {
    "k": 1000, "duizend": 1000, "mille": 1000, "milles": 1000, "rug": 1000, "ruggen": 1000,
    "ton": 100_000, "miljoen": 1_000_000, "mln": 1_000_000, "m": 1_000_000,
}
# scale words that count only straight after digits ("2m"); after a word, "m" is no million
DIGITS_ONLY_SCALE_WORDS = frozenset({"m"})
# scale words that "een" stands before as the number one ("een ton"), not as an article
ONE_BEFORE_SCALE_WORDS = frozenset({"ton", "miljoen", "mille"})
_FRACTION_WORDS = {"anderhalf": 1.5, "anderhalve": 1.5, "half": 0.5, "halve": 0.5, "een half": 0.5}

_SCALE_ALTERNATIVES = "|".join(re.escape(w) for w in sorted(SCALE_WORDS, key=len, reverse=True))
_SCALE_AFTER_RE = re.compile(rf"\s*({_SCALE_ALTERNATIVES})(?![a-z])")
_SCALE_AT_END_RE = re.compile(rf"(?<![a-z])({_SCALE_ALTERNATIVES})$")


def _digit_before(norm: str, pos: int) -> bool:
    """Is the last non-space character before ``pos`` a digit ("10 - 20": a range, not -20)?"""
    pos -= 1
    while pos >= 0 and norm[pos].isspace():
        pos -= 1
    return pos >= 0 and norm[pos].isdigit()


def numbers_in_text(text: str) -> List[Tuple[float, int, int]]:
    """All numbers in text with their span, digits and Dutch words, scaled by k/duizend/ton.

    Returns a list of (value, start, end) in order of appearance.
    """
    norm = normalize(text)
    found: List[Tuple[float, int, int]] = []
    for m in _NUMBER_RE.finditer(norm):
        value = _to_float(m.group("num"))
        if m.group("sign") and not _digit_before(norm, m.start()):
            value = -value
        end = m.end()
        scale = _SCALE_AFTER_RE.match(norm, end)
        if scale:
            value *= SCALE_WORDS[scale.group(1)]
            end = scale.end()
        found.append((value, m.start(), end))
    # positions already taken by a digit number (spans do not overlap and come in order)
    taken = [start for _, start, _ in found]
    # Number words, joined across spaces: "twaalf duizend", "anderhalve ton", "2 mille".
    for m in re.finditer(r"[a-z]+(?:\s+[a-z]+)*", norm):
        for value, start, end in _word_numbers(m.group(0), m.start()):
            i = bisect.bisect_right(taken, start) - 1
            if i < 0 or not found[i][1] <= start < found[i][2]:
                found.append((value, start, end))
    found.sort(key=lambda item: item[1])
    return _join_and_a_half(norm, found)


# The word after a number says what it counts. A number that counts something other than
# what the question asks is no answer to it: "2 kinderen" is no income, "3 maanden" no
# number of creditors, "40 uur werken voor 1000 euro" earns 1000.
# "2 vaste krachten", "3 grote leveranciers" (but "2000 bij leveranciers" is money)
_ONE_ADJECTIVE = r"(?:(?!(?:bij|aan|van|voor|per|met|de|het|een|op|in|naar|te|uit|en|of)\s)[a-z]+\s)?"
_UNIT_RES = {
    "money": re.compile(r"\s*(?:euro|eur|cent|pop|piek)(?![a-z])"),
    "hours": re.compile(r"\s*(?:uur|uren|u)(?![a-z])"),
    "days": re.compile(r"\s*(?:dag|dagen|werkdagen|dagdelen|ochtenden|middagen|avonden)(?![a-z])"),
    "weeks": re.compile(r"\s*(?:week|weken|wk)(?![a-z])"),
    "months": re.compile(r"\s*(?:maand|maanden|mnd|mnden)(?![a-z])"),
    "years": re.compile(r"\s*(?:jaar|jaren|jr)(?![a-z])"),
    "people": re.compile(rf"\s*{_ONE_ADJECTIVE}(?:[a-z]*(?:kind|kinderen|kids)|mensen|personen|man|medewerkers?|werknemers?|"
                         r"personeelsleden|[a-z]*krachte?n?|stagiairs?|parttimers?|fulltimers?|freelancers?|flexwerkers?|"
                         r"collega'?s|zzp'?ers|fte)(?![a-z])"),
    "creditors": re.compile(rf"\s*{_ONE_ADJECTIVE}(?:schuldeisers?|leveranciers?|partijen|instanties|rekeningen|crediteuren|"
                            r"schulden|leningen|aanslagen|boetes|facturen)(?![a-z])"),
    "percent": re.compile(r"\s*(?:%|procent|pct)(?![a-z])"),
}
_MONEY_BEFORE_RE = re.compile(r"euro\s*$")
# "5k leverancier", "een ton": scale words that only money has
_MONEY_SCALE_RE = re.compile(r"(?:\d|[^a-z])\s*(?:k|mille|milles|rug|ruggen|ton)$")
# "in 2025", "sinds 2019": a year, when the question asks for no year
_YEAR_BEFORE_RE = re.compile(r"(?:sinds|in|vanaf|uit|begin|eind|van)\s*$")


def unit_of(norm: str, number: Tuple[float, int, int]) -> Optional[str]:
    """What a number found in ``norm`` counts ('money', 'hours', 'people', ...), or None
    when no unit is written with it. A year after 'in'/'sinds' is a 'year'."""
    value, start, end = number
    if _MONEY_BEFORE_RE.search(norm[max(0, start - 6):start]) or _MONEY_SCALE_RE.search(norm, start, end):
        return "money"
    for unit, pattern in _UNIT_RES.items():
        if pattern.match(norm, end):
            return unit
    if (1950 <= value <= 2100 and value == int(value) and end - start == 4
            and _YEAR_BEFORE_RE.search(norm[max(0, start - 12):start])):
        return "year"
    return None


def numbers_counting(norm: str, nums: Sequence[Tuple[float, int, int]],
                     units: Iterable[Optional[str]]) -> List[Tuple[float, int, int]]:
    """The numbers of ``nums`` whose unit is one of ``units`` (None: no unit written)."""
    wanted = frozenset(units)
    return [n for n in nums if unit_of(norm, n) in wanted]


_AND_A_HALF_RE = re.compile(r"\s+en\s+(?:een\s+)?(?:half|halve)(?![a-z])")


def _join_and_a_half(norm: str, found: List[Tuple[float, int, int]]) -> List[Tuple[float, int, int]]:
    """'twee en een half jaar' -> 2.5, '2 en een half duizend' -> 2500: a number and
    the 'en (een) half' after it are one number. The half was read as 0.5 times the
    scale word after it (if any), so the whole is the number times that scale plus it."""
    joined: List[Tuple[float, int, int]] = []
    for value, start, end in found:
        gap = _AND_A_HALF_RE.match(norm, joined[-1][2]) if joined else None
        if gap and joined[-1][2] < start < gap.end() and value > 0:
            before, before_start, _ = joined.pop()
            value, start = before * (value / 0.5) + value, before_start
        joined.append((value, start, end))
    return joined


def _word_numbers(chunk: str, offset: int) -> Iterable[Tuple[float, int, int]]:
    spans = [(m.group(0), m.start() + offset, m.end() + offset) for m in re.finditer(r"[a-z]+", chunk)]
    i = 0
    while i < len(spans):
        word, start, end = spans[i]
        value: Optional[float] = None
        j = i
        if word in _FRACTION_WORDS and word != "een half":
            value = _FRACTION_WORDS[word]
        elif word == "een" and i + 1 < len(spans) and spans[i + 1][0] in ("half", "halve"):
            value, j = 0.5, i + 1
        elif word in ("een", "één") and i + 1 < len(spans) and spans[i + 1][0] in ONE_BEFORE_SCALE_WORDS:
            value = 1
        elif word not in ("een",):
            parsed = dutch_number_word(word)
            if parsed is not None:
                value = float(parsed)
                # join following numeral words: "twaalf duizend", "honderd vijftig"
                while j + 1 < len(spans) and j + 1 - i < _MAX_NUMERAL_WORDS:
                    combined = dutch_number_word("".join(s[0] for s in spans[i : j + 2]))
                    if combined is None:
                        break
                    value, j = float(combined), j + 1
        if value is None:
            i += 1
            continue
        scale = spans[j + 1][0] if j + 1 < len(spans) else ""
        if scale in SCALE_WORDS and scale not in DIGITS_ONLY_SCALE_WORDS:
            value *= SCALE_WORDS[scale]
            j += 1
        yield value, start, spans[j][2]
        i = j + 1


# ------------------------------------------------------------------------ amounts

_ZERO_AMOUNT = [
    "niks", "niets", "nul", "geen", "geen cent", "geen euro", "helemaal niks", "helemaal niets",
    "geen schulden", "geen schuld", "geen inkomen", "bijna niks", "vrijwel niks", "leg geld toe",
    "leg ik op toe", "toe op", "minus", "verlies", "nee", "neen", "nope", "nada",
]


def parse_amount(text: str, period: Optional[str] = None, add_up: bool = False) -> Optional[float]:
    """Euro amount from Dutch text.

    '30k' -> 30000, '€ 12.500,-' -> 12500, 'twaalfduizend' -> 12000,
    'anderhalve ton' -> 150000, 'ongeveer 2 mille' -> 2000, 'niks' -> 0.
    'tussen 10 en 20 duizend' gives the middle (15000). With period='month',
    an amount 'per jaar' is divided by 12 (and a 'per week' amount multiplied by 52/12).
    Negative amounts and losses ('min 500', '500 verlies') are returned negative, so the
    question decides what they mean. With add_up, a listing of parts is added up
    ('3.000 bij de belasting en 2.000 bij leveranciers' -> 5000).
    """
    norm = _A_FEW_RE.sub("twee ", _MINUS_WORD_RE.sub("-", normalize(text)))
    found = numbers_in_text(norm)
    nums = numbers_counting(norm, found, (None, "money"))
    if not nums:
        if any(contains_phrase(norm, z) for z in _ZERO_AMOUNT):
            return 0.0
        return None
    value = _range_middle(norm, nums)
    if value is None and add_up and len(nums) == 1 and _EACH_RE.search(norm):
        # "3 schulden van elk 2000": the count times the amount
        counts = numbers_counting(norm, found, ("creditors", "people"))
        if len(counts) == 1:
            value = counts[0][0] * nums[0][0]
    # the text that goes with the figure taken ("1200 per maand, 14000 per jaar": per maand)
    said_with = norm
    if value is None and add_up:
        value = _listed_total(norm, nums)
    elif value is None:
        chosen = _net_of_gross(norm, nums)
        value = chosen[0]
        said_with = _said_with(norm, nums, chosen)
    if value > 0 and _LOSS_RE.search(norm) and not _NOT_A_LOSS_RE.search(norm):
        value = -value  # "500 verlies per maand", "ik leg er 300 op toe"
    if period == "month":
        if _PER_YEAR_RE.search(said_with):
            value = value / 12
        elif _PER_WEEK_RE.search(said_with):
            value = value * 52 / 12
    return round(value, 2)


def _said_with(norm: str, nums: Sequence[Tuple[float, int, int]], chosen: Tuple[float, int, int]) -> str:
    """The words after ``chosen`` up to the next number, when the text names a period after
    more than one figure ("1200 per maand, 14000 per jaar"); else the whole text
    ("per jaar zo'n 14000")."""
    tails = _text_after_each(norm, nums)
    if sum(1 for tail in tails if _PERIOD_RE.search(tail)) < 2:
        return norm
    return tails[nums.index(chosen)]


def _text_after_each(norm: str, nums: Sequence[Tuple[float, int, int]]) -> List[str]:
    """For each number, the text after it up to the next number (or the end)."""
    return [norm[end:(nums[i + 1][1] if i + 1 < len(nums) else len(norm))] for i, (_, _, end) in enumerate(nums)]


_EACH_RE = re.compile(r"(?<![a-z])(?:elk|elke|ieder|iedere|per stuk|allebei|allemaal)(?![a-z])")
_NET_RE = re.compile(r"(?<![a-z])(?:netto|schoon|in handen)(?![a-z])")
_GROSS_RE = re.compile(r"(?<![a-z])(?:bruto|omzet)(?![a-z])")


def _net_of_gross(norm: str, nums: Sequence[Tuple[float, int, int]]) -> Tuple[float, int, int]:
    """'bruto 3000, netto 2100', '3000 bruto en 2100 netto': the figure labelled 'netto' (what
    is left is what the questions ask); otherwise the first figure. Labels stand all before
    or all after their figures, as the first figure shows."""
    if len(nums) < 2 or not (_NET_RE.search(norm) and _GROSS_RE.search(norm)):
        return nums[0]
    before = [norm[(nums[i - 1][2] if i else 0):start] for i, (_, start, _) in enumerate(nums)]
    labels = before if (_NET_RE.search(before[0]) or _GROSS_RE.search(before[0])) else _text_after_each(norm, nums)
    return next((number for number, label in zip(nums, labels, strict=True) if _NET_RE.search(label)), nums[0])


# "een paar duizend" is read as two thousand (a few: at least two)
_A_FEW_RE = re.compile(r"(?<![a-z])(?:een )?(?:paar|aantal|enkele) (?=(?:honderd|duizend|ton|mille)(?![a-z]))")
# "min 500" and "minus 500" are -500 ("min. 500" is a minimum, "min of meer" about)
_MINUS_WORD_RE = re.compile(r"(?<![a-z.])(?:min|minus)\s+(?=(?:euro\s*)?\d)")
_LOSS_RE = re.compile(r"(?<![a-z])(verlies|in de min|in het rood|toe ?op|op toe|erbij in|bij in|bijleggen"
                      r"|leg\w* (?:\w+ ){0,4}toe)(?![a-z])")
_NOT_A_LOSS_RE = re.compile(r"(?<![a-z])(geen|niet) (verlies|in de min|in het rood)")
_PER_YEAR_RE = re.compile(r"per jaar|p\.?j\b|per jr|jaarlijks|in een jaar|op jaarbasis|in het jaar|elk jaar|ieder jaar|per boekjaar")
_PER_WEEK_RE = re.compile(r"per week|p\.?w\b|wekelijks|in de week|elke week|iedere week|per wk|in een week")
_PERIOD_RE = re.compile(rf"{_PER_YEAR_RE.pattern}|{_PER_WEEK_RE.pattern}|per maand|p\.?m\b|in de maand|maandelijks|elke maand")
_RANGE_RE = re.compile(r"tussen\s+.+?\s+en\s+|\d\s*(?:-|tot|a|à|of)\s*\d|\b[a-z]+\s+(?:tot|a|à)\s+[a-z]+")
_TOTAL_RE = re.compile(r"(?<![a-z])(in totaal|totaal|samen|bij elkaar|alles bij elkaar|opgeteld)(?![a-z])")
_RESTATED_RE = re.compile(r"(?<![a-z])(zo ?'?n|zon|ongeveer|rond|dus|ofwel|oftewel|circa|ca|misschien|eerder|"
                          r"ik bedoel|nee|sorry|denk ik|precies|exact|nu(?! ook| nog)|inmiddels|intussen|tegenwoordig)(?![a-z])")


def _range_middle(norm: str, nums: Sequence[Tuple[float, int, int]]) -> Optional[float]:
    """The middle of a range ('tussen 10 en 20 duizend', '20 à 25 uur'), else None.
    The scale word of the high end counts for both ends ("20 a 30 duizend")."""
    if len(nums) < 2 or not _RANGE_RE.search(norm):
        return None
    (low, low_start, low_end), (high, high_start, high_end) = nums[0], nums[1]
    if _scale_word(norm[low_start:low_end]) == 1:
        low *= _scale_word(norm[high_start:high_end])
    return (low + high) / 2


def _listed_total(norm: str, nums: Sequence[Tuple[float, int, int]]) -> float:
    """The total of a listing: '3.000 bij de belasting en 2.000 bij leveranciers' -> 5000.
    A figure that restates the one before ('een paar duizend, zo'n 2.000') replaces it; a
    total named as such ('..., samen 5.000') is the answer."""
    parts: List[float] = []
    previous_end = 0
    for value, start, end in nums:
        gap = norm[previous_end:start]
        if parts and _TOTAL_RE.search(gap):
            return value
        if parts and _RESTATED_RE.search(gap):
            parts[-1] = value
        else:
            parts.append(value)
        previous_end = end
    return sum(parts) if parts else nums[0][0]


def _scale_word(number_text: str) -> float:
    """The factor of the scale word that ends a number ('30 duizend' -> 1000), else 1."""
    match = _SCALE_AT_END_RE.search(number_text.strip())
    return SCALE_WORDS[match.group(1)] if match else 1


# -------------------------------------------------------------------------- years

_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_NOT_STARTED = [
    "nog niet gestart", "nog niet begonnen", "wil starten", "ga starten", "wil beginnen",
    "ga beginnen", "nog geen bedrijf", "wil een bedrijf", "plan om te starten", "moet nog beginnen",
    "moet nog starten", "start binnenkort", "nog niet ingeschreven", "ben van plan",
]
_JUST_STARTED = [
    "net begonnen", "net gestart", "pas begonnen", "pas gestart", "net ingeschreven",
    "sinds kort", "kort geleden", "deze maand", "vorige maand begonnen", "net bezig", "pas net",
]
JUST_STARTED_YEARS = 0.1


_SINCE_MY_AGE_RE = re.compile(r"(?:sinds|vanaf) (?:mijn|m'?n) (?:\d+ ?(?:e|ste|de)?|[a-z]+(?:ste|de))(?![a-z0-9])"
                              r"|(?:sinds|vanaf|toen) ik (?:\d+|[a-z]+) (?:was|ben|werd|jaar)(?![a-z])")
# "sinds corona": the pandemic began here in March 2020
_CORONA_RE = re.compile(r"(?<![a-z])(?:sinds|vanaf|tijdens|in) (?:de |het )?(?:corona|covid)\w*")
# words that say when it began, as "sinds" does ("vanaf januari", "begonnen in maart")
_SINCE_RE = re.compile(r"(?<![a-z])(?:sinds|vanaf|begonnen|gestart|gestart in|per)(?![a-z])")
_A_UNIT_OR_N_RE = re.compile(r"(?<![a-z])(?:een|'?n) (jaar|maand|week)(?:je)? of (\d+|[a-z]+)(?![a-z0-9])")


def started_this_year(today: date) -> float:
    """'sinds <this year>' in years: the start lies, on average, halfway through the
    months of this year so far (the current month counted), so the figure grows evenly
    from 0.04 in January to 0.5 in December and is never 0 (0 means not started)."""
    return round(today.month / 24, 2)


def _started_this_month() -> float:
    """'sinds <this month>': half a month, never 0 (0 means not started)."""
    return round(0.5 / 12, 2)


# what a length of time can be written in (a year number is read by the parsers themselves)
_TIME_UNITS = (None, "days", "weeks", "months", "years")


def parse_years(text: str, today: Optional[date] = None) -> Optional[float]:
    """How long someone has been self-employed, in years.

    'sinds 2019' (relative to today), 'anderhalf jaar' -> 1.5, 'net begonnen' -> 0.1,
    'nog niet gestart' -> 0, '6 maanden' -> 0.5, 'sinds maart 2024'.
    """
    today = today or date.today()
    norm = normalize(text)
    if _SINCE_MY_AGE_RE.search(norm):
        return None  # "sinds mijn 25e", "sinds ik 30 ben": years only with the age, which comes later
    norm = _CORONA_RE.sub("sinds maart 2020", norm)
    # "een jaar of vijf" is about five years, "een maand of 3" about three months
    norm = _A_UNIT_OR_N_RE.sub(r"\2 \1", norm)
    norm = re.sub(r"(?<![a-z])een (jaar|maand|week)(?![a-z])", r"1 \1", norm)
    year_match = re.search(r"(?<!\d)(19[4-9]\d|20\d\d)(?!\d)", norm)
    nums = numbers_counting(norm, numbers_in_text(norm), _TIME_UNITS)
    if any(contains_phrase(norm, p) for p in _JUST_STARTED):
        return JUST_STARTED_YEARS
    if any(contains_phrase(norm, p) for p in _NOT_STARTED):
        return 0.0
    # a bare "nog niet" means not started, unless a year or number says otherwise
    # ("sinds 2019, maar ik verdien nog niet genoeg")
    if contains_phrase(norm, "nog niet") and not (year_match or nums):
        return 0.0
    month = next((n for w, n in _MONTHS.items() if contains_phrase(norm, w)), None)
    if year_match:
        year = int(year_match.group(1))
        if year > today.year:
            return None
        if month:
            months = (today.year - year) * 12 + today.month - month
            if months < 0:
                return None  # a month still to come
            return _started_this_month() if months == 0 else round(months / 12, 2)
        if year == today.year:
            return started_this_year(today)
        return float(today.year - year)
    since = bool(_SINCE_RE.search(norm))
    if re.search(r"vorig jaar|vorige jaar|afgelopen jaar", norm) and since:
        if month:
            months = 12 + today.month - month
            return round(max(months, 0) / 12, 2)
        return 1.0
    if month and since:
        months = today.month - month if today.month >= month else today.month + 12 - month
        return _started_this_month() if months == 0 else round(months / 12, 2)
    if nums:
        # "2 jaar en 6 maanden": each number with its own unit, added up
        units = [re.match(r"\s*(jaar|jaren|jr|maand|maanden|week|weken)(?![a-z])", norm[end:]) for _, _, end in nums]
        # ("3 jaar, daarvoor 10 jaar in loondienst": one unit twice is no sum, the first counts)
        if sum(1 for u in units if u) >= 2 and len({u.group(1).rstrip("en") for u in units if u}) >= 2:
            per_year = {"jaar": 1, "jaren": 1, "jr": 1, "maand": 12, "maanden": 12, "week": 52, "weken": 52}
            return round(sum(v / per_year[u.group(1)] for (v, _, _), u in zip(nums, units, strict=False) if u), 2)
        value = nums[0][0]
        if re.search(r"maand", norm):
            return round(value / 12, 2)
        if re.search(r"week|weken", norm):
            return round(value / 52, 2)
        return value
    if re.search(r"paar maanden|enkele maanden|aantal maanden", norm):
        return 0.25
    if re.search(r"(een )?jaar(tje)?\b", norm) and not re.search(r"jaren", norm):
        return 1.0
    if re.search(r"paar jaar|enkele jaren|aantal jaren", norm):
        return 3.0
    return None  # "heel lang", "altijd al": no figure to go on, so the question is asked again


# -------------------------------------------------------------------------- hours

def parse_hours(text: str) -> Optional[float]:
    """Hours per week: 'fulltime' -> 40, 'drie dagen per week' -> 24, '1.225 uur per jaar' -> 23.6."""
    norm = normalize(text)
    # the half of "halve dagen" is the length of a day, not a number of days
    nums = [n for n in numbers_counting(norm, numbers_in_text(norm), (None, "hours", "days", "weeks"))
            if not _HALF_DAY_RE.match(norm, n[1])]
    if re.search(r"dag en nacht|24/7|altijd aan het werk|non stop|nonstop", norm) and not nums:
        return 70.0
    days = re.search(r"dag(en)?\b|dagdelen", norm)
    hours_said = re.search(r"\buur\b|\buren\b|\d\s*u\b", norm)
    per_day = _hours_of_a_day(norm, nums) if nums and hours_said else None
    if per_day is not None:
        return per_day
    if nums:
        value = _range_middle(norm, nums)
        if value is None:  # "4 dagen, 32 uur": the number of hours, when one is named
            value = next((v for v, _, end in nums if hours_said and _HOURS_RE.match(norm, end)), nums[0][0])
        if _PER_YEAR_RE.search(norm):
            return round(value / 52, 1)
        if re.search(r"per maand|p\.?m\b|in de maand", norm):
            return round(value * 12 / 52, 1)
        if value >= _YEAR_HOURS_FROM and not _PER_WEEK_RE.search(norm):
            return round(value / 52, 1)  # "1225", "ruim 1300 uur": the hours of a year (the urencriterium)
        if not hours_said and not _DAYS_RE.match(norm, nums[0][2]) and _PART_OF_DAY_RE.search(norm):
            return value * 4  # "drie ochtenden", "4 dagdelen", "2 halve dagen" (but "2 en een halve dag": days)
        if days and not hours_said:
            return value * 8
        return value
    if re.search(r"full ?time|voltijd|fulltimer|hele week|volledige werkweek|volle week", norm):
        return 40.0
    if re.search(r"part ?time|deeltijd", norm):
        return 20.0
    if re.search(r"halve dagen", norm):
        return 20.0
    if re.search(r"avonden|avonds|weekend|bijbaan|naast mijn baan|paar uur|enkele uren", norm):
        return 10.0
    if re.search(r"geen uur|niet meer|helemaal niet|\bniks\b|\bniets\b", norm):
        return 0.0
    return None


_HALF_DAY_RE = re.compile(r"(?:een )?(?:half|halve) (?:dag|werkdag)")
_PART_OF_DAY_RE = re.compile(r"dagdel|ochtend|middag|avonden|halve (?:werk)?dag")
_PER_DAY_RE = re.compile(r"per dag|elke dag|iedere dag|op een dag|dagelijks|per werkdag|p\.?d\b|a day|dagen van")
# a number of hours this large is a year's (nobody works 250 hours in a week of 168)
_YEAR_HOURS_FROM = 250
_LONGEST_DAY = 14  # "4 dagen van 9 uur": hours this long or shorter are a day's hours
_HOURS_RE = _UNIT_RES["hours"]
_DAYS_RE = re.compile(r"\s*(?:dag|dagen|werkdagen)(?![a-z])")


def _hours_of_a_day(norm: str, nums: Sequence[Tuple[float, int, int]]) -> Optional[float]:
    """Hours given per day, as hours a week: '8 uur per dag' -> 40, '4 dagen van 9 uur'
    -> 36, 'elke dag 10 uur, ook in het weekend' -> 70 (the days named, else 5). None
    when the hours are not a day's ('4 dagen, 32 uur')."""
    hours = next((v for v, _, end in nums if _HOURS_RE.match(norm, end)), None)
    days = next((v for v, _, end in nums if _DAYS_RE.match(norm, end)), None)
    if _PER_DAY_RE.search(norm):
        hours = nums[0][0] if hours is None else hours
    elif hours is None or days is None or not (hours <= _LONGEST_DAY and 0 < days <= 7):
        return None
    if days is None:
        days = 7 if re.search(r"weekend|zeven dagen|7 dagen|hele week door", norm) else 5
    return round(hours * days, 1)


# ---------------------------------------------------------------------------- age

def parse_age(text: str, today: Optional[date] = None) -> Optional[int]:
    """Age in years: '62' -> 62, 'geboren in 1968' -> today.year - 1968, 'bijna 60' -> 59."""
    today = today or date.today()
    norm = normalize(text)
    born = re.search(r"(?<!\d)(19\d\d|20[0-2]\d)(?!\d)", norm)
    if born:
        year = int(born.group(1))
        if year > today.year:
            return None
        return today.year - year
    birth_date = re.search(r"(\d{1,2})[-/ ](\d{1,2})[-/ ](\d{2})(?!\d)", norm)
    if birth_date:
        year = 1900 + int(birth_date.group(3))
        return today.year - year
    if _DECADE_RE.search(norm):
        return None  # "midden vijftig", "begin 60": asked again for the age itself
    nums = numbers_counting(norm, numbers_in_text(norm), (None, "years"))
    if not nums:
        return None
    value = nums[0][0]
    if value != int(value):
        return None
    age = int(value)
    if re.search(r"\bbijna\b|\bbijnaa\b", norm) or _TURNING_RE.search(norm[:nums[0][1]]):
        age -= 1  # "bijna 60", "ik word volgend jaar 60"
    return age


_DECADES = "twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|[2-8]0"
_DECADE_RE = re.compile(rf"(?<![a-z])(?:begin|midden|half|eind|in de|ergens in de) ({_DECADES})(?![a-z0-9])|"
                        r"(?:twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig)(?:er|ers|plusser)(?![a-z])")
_TURNING_RE = re.compile(r"(?<![a-z])word(?![a-z])")


# ------------------------------------------------------------------------ yes/no

_YES = [
    "ja", "jaa", "jaaa", "jawel", "jazeker", "ja hoor", "zeker", "klopt", "inderdaad", "yes", "jep",
    "jup", "ja zeker", "helaas wel", "helaas ja", "wel", "correct", "dat klopt", "uiteraard",
    "natuurlijk", "absoluut", "tuurlijk", "ja natuurlijk", "ok", "oke", "yep", "ja ja",
]
_NO = [
    "nee", "neen", "nope", "nee hoor", "neej", "nah", "niet", "geen", "nooit", "gelukkig niet",
    "helemaal niet", "nog niet", "niet dat ik weet", "zeker niet", "klopt niet", "no", "nein",
    "niks", "niets",
]


@lru_cache(maxsize=4096)
def _word_or_compound(phrase: str) -> "re.Pattern[str]":
    """The (normalised) phrase as whole words; one word of 5 letters or more also as the
    start of a longer word: a plural or a compound ("klant" in "klanten", "incasso" in
    "incassobureau"). Compiled once per phrase."""
    tail = r"[a-z]*" if len(phrase) >= 5 and " " not in phrase else ""
    return re.compile(r"(?<![a-z0-9])" + re.escape(phrase) + tail + r"(?![a-z0-9])")


# On a phone a thumb is an answer; the normaliser drops emoji, so they are read apart.
_YES_EMOJI = ("\U0001F44D", "\U0001F44C", "\u2705", "\u2714", "\U0001F197")  # thumbs up, ok hand, checks, OK
_NO_EMOJI = ("\U0001F44E", "\u274C", "\u274E", "\U0001F6AB", "\u2716")  # thumbs down, crosses, no entry


def emoji_yes_no(text: str) -> Optional[bool]:
    """A message of only a thumbs up (yes) or a thumbs down (no); None when both or neither."""
    yes, no = any(e in text for e in _YES_EMOJI), any(e in text for e in _NO_EMOJI)
    return True if yes and not no else False if no and not yes else None


def parse_bool(text: str, yes_words: Sequence[str] = ()) -> Optional[bool]:
    """Yes/no with Dutch variants. ``yes_words`` are topic words that imply yes
    ("deurwaarder" for the acute-measures question) unless negated."""
    norm = normalize(text)
    if not norm.strip():
        return emoji_yes_no(text or "")
    first = (re.findall(r"[a-z]+", norm) or [""])[0]
    # ("klopt" and "zeker" are not here: "klopt niet", "zeker niet")
    if first in ("ja", "jawel", "jazeker", "jep", "yes", "jup", "jaa", "yep"):
        return True
    if first in ("nee", "neen", "nope", "nah", "neej", "no", "nein"):
        return False
    topic_spans = [m.span() for w in yes_words for m in _word_or_compound(normalize(w)).finditer(norm)]
    topical = bool(topic_spans)
    # a topic word may itself hold a negation ("niet ingediend" = yes, late): its own
    # words do not negate it, so negations are looked for in the text around it
    around = norm
    for start, end in topic_spans:
        around = around[:start] + " " * (end - start) + around[end:]
    negated = any(contains_phrase(around, p) for p in _NO)
    affirmed = any(contains_phrase(norm, p) for p in _YES)
    if topical and not negated:
        return True
    if negated and not affirmed:
        return False
    if affirmed and not negated:
        return True
    if negated and affirmed:
        # "nee, wel een betalingsregeling": the first decisive word wins, and at the same
        # place the longest phrase ("klopt niet" over "klopt")
        positions = []
        for phrase, val in [(p, True) for p in _YES] + [(p, False) for p in _NO]:
            m = re.search(r"(?<![a-z])" + re.escape(phrase) + r"(?![a-z])", norm)
            if m:
                positions.append((m.start(), -len(phrase), val))
        return min(positions)[2]
    return None


# -------------------------------------------------------------------- counting

def parse_count(text: str, count_words: Sequence[str] = ()) -> Optional[int]:
    """A number of people or creditors: 'geen' -> 0, 'twee mensen' -> 2,
    'de huur en de energie' -> 2 (counts the named creditors)."""
    norm = normalize(text)
    nums = numbers_counting(norm, numbers_in_text(norm), (None, "people", "creditors"))
    if nums:
        value = nums[0][0]
        if all(_COUNT_AND_RE.fullmatch(norm[a[2]:b[1]]) for a, b in zip(nums, nums[1:], strict=False)):
            value = sum(n[0] for n in nums)  # "2 vaste en 3 oproepkrachten"
        return int(value) if value == int(value) else None
    named = {w for w in count_words if _word_or_compound(normalize(w)).search(norm)}
    if re.search(r"\b(alleen ik|ik alleen|ikzelf|mezelf|mijzelf|niemand|geen|geen een|geeneen|niks|niets|nul|nee)\b", norm):
        if not named:
            return 0
    # "energie" and "gas"/"stroom" are one creditor
    if named & {"gas", "stroom", "energieleverancier"} and "energie" in named:
        named -= {"gas", "stroom", "energieleverancier"}
    if named:
        plural = re.search(r"leveranciers|meerdere|verschillende|allemaal|overal", norm)
        return max(len(named), 2 if plural else 1)
    if re.search(r"meerdere|verschillende|een paar|veel|overal|allemaal|heel wat", norm):
        return 2
    if re.search(r"\b(een|eentje|één)\b", norm):
        return 1
    return None


# numbers joined by "en"/"plus", each with its own kind of people: "2 vaste en 3 oproepkrachten"
_COUNT_AND_RE = re.compile(r"\s*(?:[a-z']+\s+){0,2}(?:en|plus|\+)\s*")


# ---------------------------------------------------------------------- months

def parse_months(text: str, today: Optional[date] = None) -> Optional[float]:
    """A buffer in months: 'geen' -> 0, '2 maanden' -> 2, 'een half jaar' -> 6, '3 weken' -> 0.75,
    'tot januari' -> the months from today until then. Money ('5.000 spaargeld') is no
    number of months: None, so the question is asked again with its example."""
    norm = normalize(text)
    until = _months_until(norm, today or date.today())
    if until is not None:
        return until
    nums = numbers_counting(norm, numbers_in_text(norm), _TIME_UNITS)
    if nums and re.search(r"(euro|\u20ac)\s*\d|\d[\d.,]*\s*(euro|k|duizend|spaargeld|op de bank|op mijn rekening)\b", norm):
        return None
    if nums:
        value = _range_middle(norm, nums)
        value = nums[0][0] if value is None else value
        if re.search(r"\bjaar|\bjaren|\bjr\b", norm) and not re.search(r"maand", norm):
            return value * 12
        if re.search(r"week|weken", norm):
            return round(value / 4.33, 2)
        if re.search(r"\bdag|\bdagen", norm):
            return round(value / 30, 2)
        return value
    if re.search(r"half jaar|halfjaar", norm):
        return 6.0
    if re.search(r"\bjaar\b|jaartje", norm):
        return 12.0
    if re.search(r"paar weken|enkele weken|paar dagen|maandje|een maand", norm):
        return 0.5 if re.search(r"week|weken|dag", norm) else 1.0
    if re.search(r"paar maanden|enkele maanden", norm):
        return 2.0
    if re.search(r"\b(geen|niks|niets|nul|helemaal niet|geen buffer|geen spaargeld|0|nee|neen)\b", norm):
        return 0.0
    if re.search(r"heel lang|jaren|lang genoeg", norm):
        return 24.0
    return None


_SEASONS = {"voorjaar": 4, "lente": 4, "pasen": 4, "zomer": 7, "zomervakantie": 7, "najaar": 10, "herfst": 10}
_MONTH_OR_SEASON = {**_MONTHS, **_SEASONS}
_UNTIL_RE = re.compile(r"(?<![a-z])(?:tot|t/m|tot en met|tot ongeveer|tot eind|tot het eind van|tot begin)\s+(?:de\s+|het\s+)?"
                       r"(?P<what>eind van het jaar|einde van het jaar|jaarwisseling|kerst|oud en nieuw|"
                       + "|".join(sorted(_MONTH_OR_SEASON, key=len, reverse=True)) + r")(?![a-z])")
_YEAR_END = ("eind van het jaar", "einde van het jaar", "jaarwisseling", "kerst", "oud en nieuw")


def _months_until(norm: str, today: date) -> Optional[float]:
    """'tot januari', 'tot het eind van het jaar': the months from today until then (the
    next such month; the end of a month counts), at least half a month."""
    m = _UNTIL_RE.search(norm)
    if not m:
        return None
    what = m.group("what")
    month = 12 if what in _YEAR_END else _MONTH_OR_SEASON[what]
    months = (month - today.month) % 12 + (1 if what in _YEAR_END or "eind" in norm[m.start():m.end()] else 0)
    return max(round(months - today.day / 30, 1), 0.5)


# ---------------------------------------------------------------------- percent

def parse_percent_change(text: str) -> Optional[float]:
    """A signed percentage change: '20% minder' -> -20, '10 procent meer' -> 10, 'gehalveerd' is not here."""
    norm = normalize(text)
    m = re.search(r"([-+\u2212]?\d+(?:[.,]\d+)?)\s*(%|procent|pct)", norm)
    if not m:
        return None
    value = float(m.group(1).replace(",", ".").replace("\u2212", "-"))
    if value > 0 and re.search(r"minder|lager|gedaald|gezakt|daling|omlaag|achteruit|kwijt|verloren|afgenomen|min\b", norm):
        value = -value
    return value


# ---------------------------------------------------------------------- choices

def _negated_before(norm: str, start: int) -> bool:
    before = norm[max(0, start - 40):start].split()[-2:]
    return any(w in ("niet", "geen", "nooit", "behalve", "zonder") for w in before)


_BARE_YES_NO = frozenset({"ja", "nee", "neen", "jazeker", "nee hoor", "ja hoor"})
_REPORTED_RE = re.compile(r"(?<![a-z])(zei|zeiden|zegt|zeggen|gezegd|kreeg|kregen|gekregen|een|antwoordde)\s*$")


def match_choices(text: str, choices: Sequence[Tuple[str, Sequence[str]]]) -> List[Tuple[str, int]]:
    """Return [(value, score)] for every choice whose synonym occurs in text.

    The score is the length of the longest matching synonym, so "licht gedaald" beats
    "gedaald". A synonym preceded by "niet"/"geen" does not count, unless the synonym
    itself starts with a negation ("vaak niet").
    """
    norm = normalize(text).replace("-", " ")  # "burn-out" is "burn out", "LAT-relatie" "lat relatie"
    result: List[Tuple[str, int]] = []
    for value, synonyms in choices:
        best = 0
        for syn in synonyms:
            syn_norm = normalize(syn).replace("-", " ")
            for m in _word_or_compound(syn_norm).finditer(norm):
                if not syn_norm.startswith(("niet", "geen", "nooit", "nee")) and _negated_before(norm, m.start()):
                    continue
                if syn_norm in _BARE_YES_NO and _REPORTED_RE.search(norm[max(0, m.start() - 20):m.start()]):
                    continue  # "de bank zei nee": someone else's answer, not the user's
                best = max(best, len(syn_norm))
        if best:
            result.append((value, best))
    return result


# ---------------------------------------------------------------------- contact

_NAME_PREFIX = re.compile(r"^(?:ik heet|mijn naam is|naam is|naam:|ik ben|dit is|met|"
                          r"(?:u mag|je mag|u kunt|je kunt)? ?(?:mij|me) (?:maar )?|noem (?:mij|me) (?:maar )?|zeg maar)\s*",
                          re.IGNORECASE)
# words that are no part of a name: "liever geen naam" is no name, "Kees, bel me maar" is Kees
# (not "ben" or "wil": Ben and Wil are first names)
_NOT_NAME_WORDS = frozenset({
    "geen", "niet", "liever", "naam", "weet", "ik", "mijn", "maar", "me", "mij", "je", "u", "bel",
    "graag", "hoeft", "nee", "ja", "anoniem", "zeg", "is", "heet", "noem", "noemen", "waarom",
    "wat", "hoe", "niks", "niets", "dat", "dit", "het", "een", "hallo", "hoi", "oke", "ok",
    # words typed to steer the conversation, not a name
    "terug", "vorige", "stop", "stoppen", "sorry", "help", "hulp", "oeps", "bedankt", "dank", "doei", "test",
})


def parse_name(text: str) -> Optional[str]:
    """A person's name: 'ik heet Jan de Vries' -> 'Jan de Vries'. Letters, spaces, - ' . only."""
    text = (text or "").strip()
    for part in (text, text.split(",")[0]):  # "Kees, bel me maar na vijven"
        name = _NAME_PREFIX.sub("", part.strip()).strip(" .,!")
        if not 2 <= len(name) <= 80 or not re.fullmatch(r"[^\W\d_]+(?:[\s'\-.]+[^\W\d_]+)*\.?", name):
            continue
        if any(word in _NOT_NAME_WORDS for word in re.split(r"[\s.]+", name.lower())):
            continue
        return name
    return None


def parse_phone(text: str) -> Optional[str]:
    """A Dutch phone number, mobile or landline, as +31 followed by 9 digits; a foreign
    number written with its country code as + and its digits. Found inside a sentence.

    '06-12345678', '06 1234 5678', '+31 6 12345678', '0031612345678', '020-1234567', '(050) 123 45 67'.
    """
    for candidate in PHONE_CANDIDATE_RE.finditer(text or ""):  # "bel me op 06 12 34 56 78"
        compact = re.sub(r"[\s\-().]", "", candidate.group(0))
        dutch = re.fullmatch(r"(?:\+31|0031|0)([1-9]\d{8})", compact)
        if dutch:
            return f"+31{dutch.group(1)}"
        abroad = re.fullmatch(r"(?:\+|00)([1-9]\d{7,14})", compact)  # "+32 470 12 34 56"
        if abroad and not abroad.group(1).startswith("31"):
            return f"+{abroad.group(1)}"
    return None


# a run of digits with the spaces, dashes, dots and brackets people put in phone numbers
# (the answer parser and the redaction of logs both look for phone numbers with it)
PHONE_CANDIDATE_RE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s\-().]{7,17}\d(?!\w)")


_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$")


def parse_email(text: str) -> Optional[str]:
    """An e-mail address found in the text, lowercased domain."""
    for token in re.split(r"[\s,;<>]+", (text or "").strip()):
        token = token.strip(".")
        if _EMAIL_RE.match(token) and len(token) <= 254 and ".." not in token:
            local, _, domain = token.rpartition("@")
            return f"{local}@{domain.lower()}"
    return None
