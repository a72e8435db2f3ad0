"""Names that the gemeente configuration may refer to: indication ids (contract.md) and
the situations the outcome derives from the answers. Kept apart (no imports) so the
configuration can be checked against them at start without importing the rules."""

INDICATIONS = (
    "bbz_aspirant", "bbz_starter", "bbz_gevestigd_inkomen", "bbz_gevestigd_kapitaal", "bbz_beeindiger",
    "bbz_oudere_zelfstandige", "ioaz", "schuldhulp",
)
BBZ_INDICATIONS = tuple(i for i in INDICATIONS if i.startswith("bbz_"))

# situation -> when it applies (README, "Referrals and teams"). The one vocabulary of
# situations: the outcome emits only these, partners' 'fits' and teams' 'handles' in the
# gemeente configuration may name only these (checked at start), and the order is the
# order of referral: the most pressing first, so a crisis line or debt help is never
# pushed out.
SITUATIONS = {
    "crisis": "de ondernemer zei dat het niet meer gaat (113)",
    "acuut": "beslag, deurwaarder, afsluiting, ontruiming of faillissementsaanvraag",
    "schulden": "schulden die op schuldhulp wijzen, of de ondernemer vraagt hulp bij schulden",
    "zorg_gezin": "ziekte, mantelzorg of scheiding als oorzaak",
    "prive_achterstand": "achterstand thuis: huur, energie, water of zorgverzekering (vroegsignalering)",
    "hoog_risico": "risico hoog",
    "belasting": "achterstand of te late aangifte bij de Belastingdienst",
    "ioaz": "een IOAZ-indicatie",
    "bbz": "een Bbz-indicatie",
    "stoppen": "wil stoppen met het bedrijf",
    "administratie": "boekhouding achter of hulp gevraagd bij de administratie",
    "praten": "wil praten",
    "coaching": "twijfelt over de toekomst of wil een coach",
    "financiering": "zoekt financiering en het bedrijf heeft toekomst",
    "bv": "bv",
    "informatie": "laag risico, of niets anders past",
}
# a team that handles this takes every ticket that no team before it took
ANY_TICKET = "overig"
