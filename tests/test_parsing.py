"""Dutch answer parsing: table tests over many phrasings, property tests for amounts and years."""
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions import parsing as p

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30k", 30000), ("30 k", 30000), ("€ 12.500,-", 12500), ("12.500", 12500), ("12500", 12500),
        ("€12.500", 12500), ("12.500 euro", 12500), ("twaalfduizend", 12000), ("twaalf duizend", 12000),
        ("anderhalve ton", 150000), ("ongeveer 2 mille", 2000), ("2 ton", 200000), ("een ton", 100000),
        ("vijfentwintigduizend euro", 25000), ("1,2 miljoen", 1200000), ("€1.234,56", 1234.56),
        ("12,5k", 12500), ("drieduizendvijfhonderd", 3500), ("vijftienhonderd", 1500),
        ("tussen 10 en 20 duizend", 15000), ("10.000 - 15.000", 12500), ("niks", 0), ("geen schulden", 0),
        ("ik hou bijna niks over, misschien 300", 300), ("zo'n 1500 euro per maand", 1500),
        ("rond de 800", 800), ("ruim 40.000 euro aan schulden", 40000), ("tweehonderdvijftig euro", 250),
        ("-500", -500), ("12,500", 12500), ("nee", 0), ("nee hoor", 0),
        # ranges: the scale word of the high end counts for both ends
        ("20 a 30 duizend", 25000), ("10 tot 15k", 12500), ("tussen 1 en 2 ton", 150000),
        ("tussen tien en twintig duizend", 15000), ("5 tot 6 ton", 550000), ("tussen 500 en 2000", 1250),
    ],
)
def test_amounts(text, expected):
    assert p.parse_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, expected",
    [("18.000 per jaar", 1500), ("24k per jaar", 2000), ("1500 per maand", 1500), ("300 per week", 1300)],
)
def test_monthly_amounts_convert_periods(text, expected):
    assert p.parse_amount(text, period="month") == pytest.approx(expected)


@pytest.mark.parametrize("text", ["weet ik veel wat je bedoelt", "blauw", ""])
def test_amount_not_understood(text):
    assert p.parse_amount(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sinds 2019", 7), ("Sinds 2019.", 7), ("al sinds 2001", 25), ("2015", 11), ("anderhalf jaar", 1.5),
        ("net begonnen", 0.1), ("pas gestart", 0.1), ("nog niet gestart", 0), ("ik wil starten", 0),
        ("al 12 jaar", 12), ("drie jaar", 3), ("6 maanden", 0.5), ("een half jaar", 0.5), ("een jaar", 1),
        ("sinds maart 2024", 2.67), ("sinds januari vorig jaar", 1.83), ("sinds 2026", 0.46),
        ("10 jaar", 10), ("ruim 20 jaar", 20),
        ("2 jaar en 6 maanden", 2.5), ("een jaar en drie maanden", 1.25), ("nog niet", 0),
        ("sinds 2019, maar ik verdien nog niet genoeg", 7),
    ],
)
def test_years(text, expected):
    assert p.parse_years(text, TODAY) == pytest.approx(expected, abs=0.01)


def test_years_in_the_future_is_not_an_answer():
    assert p.parse_years("sinds 2030", TODAY) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("fulltime", 40), ("full time", 40), ("voltijd", 40), ("parttime", 20), ("drie dagen per week", 24),
        ("4 dagen", 32), ("ongeveer 40 uur", 40), ("parttime zo'n 20 uur", 20), ("meer dan 50 uur", 50),
        ("1.225 uur per jaar", 23.6), ("80 uur per maand", 18.5), ("32", 32), ("dag en nacht", 70),
    ],
)
def test_hours(text, expected):
    assert p.parse_hours(text) == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize(
    "text, expected",
    [("62", 62), ("ik ben 45", 45), ("45 jaar", 45), ("geboren in 1968", 58), ("bijna 60", 59),
     ("vijfenvijftig", 55), ("ik ben zesenzestig jaar oud", 66), ("300", 300)],
)
def test_age(text, expected):
    assert p.parse_age(text, TODAY) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ja", True), ("Ja hoor", True), ("jazeker", True), ("klopt", True), ("helaas wel", True),
        ("nee", False), ("neen", False), ("nee hoor", False), ("gelukkig niet", False), ("niet dat ik weet", False),
        ("er ligt beslag op mijn rekening", True), ("de deurwaarder is geweest", True),
        ("nee, er is geen beslag", False), ("geen deurwaarder gelukkig", False),
        ("zeker", True), ("klopt niet", False), ("zeker niet", False), ("klopt, er is beslag gelegd", True),
    ],
)
def test_yes_no(text, expected):
    assert p.parse_bool(text, yes_words=["beslag", "deurwaarder"]) is expected


def test_yes_no_not_understood():
    assert p.parse_bool("de lucht is blauw") is None


@pytest.mark.parametrize(
    "text, expected",
    [("geen", 0), ("alleen ik", 0), ("twee mensen", 2), ("3 medewerkers", 3), ("de huur en de energie", 2),
     ("alleen de zorgverzekering", 1), ("bij twee leveranciers", 2), ("bij meerdere leveranciers", 2),
     ("bij een leverancier", 1)],
)
def test_counts(text, expected):
    assert p.parse_count(text, ["huur", "energie", "zorgverzekering", "leverancier"]) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("geen", 0), ("geen buffer", 0), ("2 maanden", 2), ("een half jaar", 6), ("3 weken", 0.69),
     ("een jaar", 12), ("2 jaar", 24), ("paar maanden", 2)],
)
def test_months(text, expected):
    assert p.parse_months(text) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    "text", ["weet ik niet", "Geen idee", "geen flauw idee", "ik weet het niet", "zeg ik liever niet", "onbekend",
             "I don't know", "no idea"]
)
def test_dont_know(text):
    assert p.is_dont_know(text)


@pytest.mark.parametrize("text", ["nee", "30k", "ik weet het zeker: 20 uur"])
def test_not_dont_know(text):
    assert not p.is_dont_know(text)


@pytest.mark.parametrize(
    "word, expected",
    [("twaalfduizend", 12000), ("eenentwintig", 21), ("negenennegentig", 99), ("honderd", 100),
     ("tweeduizendvijfhonderdzesendertig", 2536), ("miljoen", 1_000_000), ("tafel", None), ("", None)],
)
def test_number_words(word, expected):
    assert p.dutch_number_word(word) == expected


# ---- property tests -------------------------------------------------------------


def dutch_thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@given(st.integers(min_value=0, max_value=10_000_000))
def test_amount_roundtrip_dutch_formatting(n):
    assert p.parse_amount(dutch_thousands(n)) == n
    assert p.parse_amount(f"€ {dutch_thousands(n)},-") == n
    assert p.parse_amount(f"ongeveer {n} euro") == n


@given(st.integers(min_value=1, max_value=999))
def test_amount_k_suffix(n):
    assert p.parse_amount(f"{n}k") == n * 1000
    assert p.parse_amount(f"{n} duizend") == n * 1000


@given(st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=9))
def test_amount_decimal_comma(euros, cents, thousands):
    value = thousands * 1000 + euros
    text = f"{dutch_thousands(value)},{cents:02d}"
    assert p.parse_amount(text) == pytest.approx(value + cents / 100)


@given(st.integers(min_value=1950, max_value=2025))
def test_years_since_is_relative_to_today(year):
    assert p.parse_years(f"sinds {year}", TODAY) == TODAY.year - year


@given(st.integers(min_value=1, max_value=60))
def test_years_plain_count(n):
    assert p.parse_years(f"{n} jaar", TODAY) == n
    assert p.parse_years(f"al {n} jaar ondernemer", TODAY) == n


@given(st.text(max_size=40))
def test_parsers_never_crash(text):
    for fn in (p.parse_amount, p.parse_hours, p.parse_months, p.is_dont_know):
        fn(text)
    p.parse_years(text, TODAY)
    p.parse_age(text, TODAY)
    p.parse_bool(text)
    p.parse_count(text)


# ---- one table of scale words: digits and number words scale alike ---------------

@pytest.mark.parametrize("word", sorted(set(p.SCALE_WORDS) - p.DIGITS_ONLY_SCALE_WORDS))
def test_every_scale_word_scales_digits_and_number_words_alike(word):
    expected = 30 * p.SCALE_WORDS[word]
    assert p.parse_amount(f"30 {word}") == pytest.approx(expected)
    assert p.parse_amount(f"dertig {word}") == pytest.approx(expected)
    assert p.parse_amount(f"tussen 20 en 40 {word}") == pytest.approx(expected)


@pytest.mark.parametrize("text", ["30 ruggen", "dertig ruggen", "30 rug", "30 mille", "30k", "dertigduizend"])
def test_ruggen_are_thousands_of_euros(text):
    assert p.parse_amount(text) == 30000


def test_digits_only_scale_words_do_not_scale_a_number_word():
    assert p.parse_amount("2m") == 2_000_000
    assert p.parse_amount("twee m") == 2


# ---- "sinds <this year>": one rule all year --------------------------------------

def test_since_this_year_grows_evenly_through_the_year_and_is_never_zero():
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    values = [p.parse_years("sinds 2026", day) for day in days]
    assert all(0 < v <= 0.5 for v in values)
    assert values == sorted(values)  # never falls back
    steps = [b - a for a, b in zip(values, values[1:], strict=False)]
    assert max(steps) < 0.06  # a month at most (it jumped from 0.25 on 30 June to 0.5 on 1 July)


@pytest.mark.parametrize("today, expected", [
    (date(2026, 1, 10), 0.04), (date(2026, 6, 30), 0.25), (date(2026, 7, 1), 0.29),
    (date(2026, 11, 27), 0.46), (date(2026, 12, 31), 0.5),
])
def test_since_this_year_is_half_the_months_so_far(today, expected):
    assert p.parse_years("sinds 2026", today) == expected
    assert p.parse_years("ik ben in 2026 begonnen", today) == expected


def test_since_this_month_is_started_and_a_month_to_come_is_no_answer():
    today = date(2026, 11, 27)
    assert p.parse_years("sinds november 2026", today) > 0  # 0 would mean: not started
    assert p.parse_years("sinds november", today) > 0
    assert p.parse_years("sinds december 2026", today) is None


# --- answers as people write them (session 6): each a class of phrasing, not one string

@pytest.mark.parametrize(
    "text, expected",
    [
        # hours given per day: times the days named, else a five-day week
        ("elke dag 8 uur", 40), ("8 uur per dag", 40), ("ik werk dagelijks zo'n 9 uur", 45),
        ("4 dagen van 9 uur", 36), ("3 dagen 10 uur", 30), ("werkdagen van 10 uur", 50),
        ("elke dag 10 uur, ook in het weekend", 70),
        # hours of the week named next to days: the hours count, not the days
        ("4 dagen, 32 uur", 32), ("3 dagen 24 uur", 24),
        # parts of a day are four hours; half days without a number are a half week
        ("halve dagen", 20), ("3 halve dagen", 12), ("drie ochtenden", 12), ("twee middagen", 8),
        ("vier dagdelen", 16), ("twee en een halve dag", 20),
        ("alleen 's avonds", 10),
        # a range gives its middle, as for amounts
        ("20 à 25 uur", 22.5), ("20 tot 30 uur per week", 25), ("tussen 30 en 40 uur", 35),
    ],
)
def test_hours_as_people_write_them(text, expected):
    assert p.parse_hours(text) == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("een jaar of vijf", 5), ("een jaar of 3", 3), ("n jaar of tien", 10), ("een jaartje of 3", 3),
        ("een maand of 6", 0.5), ("twee en een half jaar", 2.5), ("3 en een half jaar", 3.5),
        ("vier en half jaar", 4.5),
    ],
)
def test_years_as_people_write_them(text, expected):
    assert p.parse_years(text, TODAY) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("text", ["sinds mijn 25e", "sinds m'n twintigste", "sinds mijn 30ste"])
def test_years_counted_from_an_age_are_asked_again(text):
    """The age comes later in the scan, so 'since I was 25' has no figure yet."""
    assert p.parse_years(text, TODAY) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        # losses are negative, whatever the words
        ("min 500", -500), ("minus 300 euro", -300), ("ik draai 500 verlies per maand", -500),
        ("ik leg er elke maand 200 op toe", -200), ("ik sta 400 in de min", -400),
        ("ik schiet er 250 bij in", -250),
        # ... but not when the loss is denied, and "min." / "min of meer" are no minus
        ("geen verlies, zo'n 1500", 1500), ("min of meer 2000", 2000), ("min. 1000", 1000),
        # a few thousand is two thousand
        ("een paar duizend", 2000), ("paar ton", 200000), ("een paar honderd euro", 200),
        ("2 en een half duizend", 2500),
        # "of" between two numbers is a range
        ("1000 of 1500", 1250),
    ],
)
def test_amounts_as_people_write_them(text, expected):
    assert p.parse_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, expected",
    [("500 euro in de week", 500 * 52 / 12), ("elke week 300", 1300), ("20k in het jaar", 20000 / 12),
     ("ieder jaar zo'n 12.000", 1000)],
)
def test_monthly_amounts_convert_more_ways_of_saying_the_period(text, expected):
    assert p.parse_amount(text, period="month") == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    "text, expected",
    [("€ 3.000 bij de belasting en 2000 bij leveranciers", 5000), ("10k belasting + 5k leverancier", 15000),
     ("huur 1.200, energie 800 en 4000 bij de bank", 6000), ("sinds 2019 5000 bij de belasting", 5000),
     ("tussen 10 en 20 duizend", 15000), ("ongeveer 15k", 15000)],
)
def test_a_listing_of_debts_is_added_up_when_asked(text, expected):
    assert p.parse_amount(text, add_up=True) == pytest.approx(expected)


def test_without_add_up_the_first_amount_counts():
    assert p.parse_amount("€ 3.000 bij de belasting en 2000 bij leveranciers") == 3000


@pytest.mark.parametrize(
    "text, expected",
    [("ik word volgend jaar 60", 59), ("ik word in maart 56", 55), ("ik ben 60 en word 61 in mei", 60),
     ("ik ben net 60 geworden", 60)],
)
def test_age_about_to_turn(text, expected):
    assert p.parse_age(text, TODAY) == expected


@pytest.mark.parametrize("text", ["midden vijftig", "begin 60", "eind vijftig", "een vijftiger", "in de zestig",
                                  "ergens in de 50"])
def test_an_age_given_as_a_decade_is_asked_again(text):
    """Whether IOAZ (55) or the AOW age applies hangs on the exact age."""
    assert p.parse_age(text, TODAY) is None


@pytest.mark.parametrize(
    "text, expected",
    [("een paar duizend euro, zo'n 2000", 2000), ("ongeveer 5000, dus 5k", 5000),
     ("3.000 bij de belasting en 2.000 bij leveranciers, samen 5.000", 5000),
     ("1000 aan huur en 2000 bij de bank, in totaal 3000", 3000),
     ("20k, nee sorry 25k", 25000)],
)
def test_a_figure_that_restates_or_totals_is_not_added(text, expected):
    assert p.parse_amount(text, add_up=True) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, expected",
    [("nee", 0), ("een paar weken", 0.5), ("paar dagen", 0.5), ("3 à 4 maanden", 3.5), ("nog 2 maanden spaargeld", 2),
     # until a moment: the months from today (27 November) until then
     ("tot januari", 1.1), ("tot het eind van het jaar", 1.1), ("tot eind januari", 2.1), ("tot maart", 3.1),
     ("tot de zomer", 7.1)],
)
def test_months_as_people_write_them(text, expected):
    assert p.parse_months(text, TODAY) == pytest.approx(expected, abs=0.05)


def test_months_until_count_from_today():
    assert p.parse_months("tot januari", date(2026, 3, 10)) == pytest.approx(9.7, abs=0.05)
    assert p.parse_months("tot april", date(2026, 3, 31)) == pytest.approx(0.5)  # never less than half a month


@pytest.mark.parametrize("text", ["ik heb 5000 spaargeld", "€ 3.000", "3k op de bank", "zo'n 2000 euro"])
def test_money_is_no_number_of_months(text):
    """A buffer in euros cannot be turned into months without the costs: asked again."""
    assert p.parse_months(text, TODAY) is None


def test_a_thumb_answers_a_yes_no_question_of_the_scan():
    assert p.parse_bool("\U0001F44D") is True and p.parse_bool("\U0001F44E") is False
    assert p.parse_bool("\U0001F642") is None


@pytest.mark.parametrize("text, expected", [("1225", 23.6), ("ruim 1300 uur", 25), ("1.500 uren", 28.8),
                                            ("1300 uur in het jaar", 25), ("400 uur in de week", 400),
                                            ("300 uur per week", 300), ("168", 168)])
def test_hours_this_many_are_a_years_hours(text, expected):
    """The urencriterium is counted per year (1,225): a bare 1225 is a year's hours, not
    out of range; an explicit 'per week' stays (and validation refuses 300 a week)."""
    assert p.parse_hours(text) == pytest.approx(expected, abs=0.1)


# A number written with the unit of something else is no answer to the question: the
# parsers keep only the numbers whose unit fits (or that have none).
@pytest.mark.parametrize("text, expected", [
    ("ik heb een vrouw en 2 kinderen", None), ("2 kinderen", None), ("3 maanden niks", 0),
    ("40 uur werken voor 1000 euro", 1000), ("al 2 jaar zo'n 1500", 1500), ("in 2025 was het 1800", 1800),
    ("sinds 2019 rond de 2000", 2000), ("30% minder dan vorig jaar, nu 1200", 1200), ("€ 900 met 3 mensen", 900),
    ("3 weken geen werk, verder 1500", 1500),
])
def test_an_amount_is_no_number_of_something_else(text, expected):
    assert p.parse_amount(text, "month") == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("parse, text, expected", [
    (p.parse_count, "€ 1500", None), (p.parse_count, "3 maanden", None), (p.parse_count, "1500 euro", None),
    (p.parse_count, "sinds 2020 2 man", 2), (p.parse_count, "30 uur per week 1 medewerker", 1),
    (p.parse_count, "2 vaste en 3 oproepkrachten", 5), (p.parse_count, "1 vaste kracht plus 2 stagiairs", 3),
    (p.parse_count, "in de zomer 3, in de winter 1", 3), (p.parse_count, "3 leveranciers", 3),
    (p.parse_age, "2 kinderen, ik ben 52", 52), (p.parse_age, "52 jaar, 30 jaar ondernemer", 52),
    (p.parse_age, "3 kleinkinderen en ik ben 61", 61), (p.parse_age, "1500 euro", None),
    (p.parse_hours, "2 kinderen, 30", 30), (p.parse_hours, "voor 1000 euro zo'n 45 uur", 45),
    (p.parse_years, "2 kinderen, 5 jaar ondernemer", 5), (p.parse_years, "3 jaar, daarvoor 10 jaar in loondienst", 3),
    (p.parse_years, "2 jaar en 6 maanden", 2.5), (p.parse_years, "4 medewerkers en 7 jaar bezig", 7),
])
def test_other_numbers_count_something_else(parse, text, expected):
    result = parse(text, TODAY) if parse in (p.parse_age, p.parse_years) else parse(text)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("text", ["ik heb 3 kinderen en geen spaargeld", "2 kinderen en niks op de bank"])
def test_no_buffer_next_to_other_numbers(text):
    assert p.parse_months(text, TODAY) == 0


@pytest.mark.parametrize("text, expected", [
    ("bruto 3000 netto 2100", 2100), ("3000 bruto, 2100 netto", 2100), ("2100 netto, 3000 bruto", 2100),
    ("omzet 5000, netto 2000 over", 2000), ("4000 omzet en daarvan 1800 netto", 1800),
    ("ik hou netto zo'n 1800 over van 4000 omzet", 1800), ("3000 bruto", 3000),
])
def test_net_wins_over_gross(text, expected):
    """The questions ask what is left: with both named, the figure labelled netto."""
    assert p.parse_amount(text, "month") == pytest.approx(expected)


@pytest.mark.parametrize("text, expected", [
    ("1200 per maand, 14000 per jaar", 1200), ("14000 per jaar, dus 1200 per maand", 1166.67),
    ("per jaar zo'n 14000", 1166.67), ("300 per week", 1300),
])
def test_the_period_goes_with_its_own_figure(text, expected):
    assert p.parse_amount(text, "month") == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("text, expected", [
    ("in 2024 had ik 5000 schuld, nu 8000", 8000), ("eerst 4000, inmiddels 6000", 6000),
    ("5000 bij de belasting, nu ook 3000 bij de bank", 8000), ("10k belasting + 5k leverancier", 15000),
    ("ik heb 3 maanden huurachterstand van 900", 900), ("4000 euro bij 2 leveranciers", 4000),
])
def test_a_debt_now_replaces_the_debt_before(text, expected):
    assert p.parse_amount(text, add_up=True) == pytest.approx(expected)


@pytest.mark.parametrize("text, expected", [
    ("vanaf januari", 0.83), ("begonnen in maart", 0.67), ("sinds de coronatijd", 6.67),
    ("in de coronatijd begonnen", 6.67), ("sinds maart", 0.67),
])
def test_years_from_words_that_say_when_it_began(text, expected):
    assert p.parse_years(text, TODAY) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("text", ["sinds ik 30 ben", "toen ik 25 was", "vanaf mijn 40ste", "sinds ik twintig was"])
def test_years_counted_from_an_age_in_other_words_are_asked_again(text):
    assert p.parse_years(text, TODAY) is None


@pytest.mark.parametrize("text, expected", [
    ("ik heb 3 schulden van elk 2000", 6000), ("2 leningen van ieder 5000 euro", 10000),
    ("3 schulden, samen 9000", 9000), ("4 rekeningen van 300", 300),
])
def test_a_count_of_debts_each_so_much_is_multiplied(text, expected):
    """'elk'/'ieder' multiplies; without it the figure is the amount said."""
    assert p.parse_amount(text, add_up=True) == pytest.approx(expected)
    assert p.parse_amount("3 medewerkers die elk 2000 kosten") == 2000  # only a total multiplies


@pytest.mark.parametrize("text", ["terug", "vorige", "stop", "help", "bedankt"])
def test_words_that_steer_the_conversation_are_no_name(text):
    assert p.parse_name(text) is None
