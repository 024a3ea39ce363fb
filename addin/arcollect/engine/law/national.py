"""The national late-payment rules arcollect applies, one `Law` per country: every EU and EEA state, GB and CH.

Each rule names its provision in the statute's own language and the sources its figures were checked against
(docs/LAW.md shows them per country, with what is not modelled). The rates themselves are rows of the dated table
(`arcollect.engine.law.rates`); a regime whose series has no row for a day raises `ConfigError` naming the rate to
add. A country whose rule we could not confirm at all has no regime here: arcollect charges nothing statutory
under it and says so, rather than guess.

The EU Late Payment Directive 2011/7/EU is not among them: a directive binds the member states, not a debtor.
Its minimum (ECB rate + 8 points) can still be agreed in a contract, as the late-charge rule "8 points over ECB".
"""

from __future__ import annotations

from decimal import Decimal

from arcollect.engine.law.model import (
    COSTS,
    FIXED_ON_DUE_DATE,
    FIXED_ON_FIRST_INTEREST_DAY,
    INTEREST,
    ON_MONTH_BEFORE_DUE,
    PRINCIPAL,
    Compensation,
    Law,
    Provision,
    Regime,
)

D = Decimal
_INF = Decimal("Infinity")
_EUR_40 = ((_INF, D(40)),)
_E_JUSTICE = "e-justice.europa.eu, Interest rates – {} (European Judicial Network factsheet)"


def _ecb(provision: dict[str, str], margin: int | str = 8, *sources: str, **options: object) -> Regime:
    """ECB main refinancing rate in force on 1 January / 1 July + `margin`, per half-year."""
    return Regime(Provision(provision), "ECB_MRO", D(margin), sources=sources, **options)  # type: ignore[arg-type]


def _eur40(provision: dict[str, str], *sources: str) -> Compensation:
    return Compensation(Provision(provision), "EUR", _EUR_40, sources=sources)


LAWS: dict[str, Law] = {}


def _add(law: Law) -> None:
    LAWS[law.code] = law


# ---- Germany ---------------------------------------------------------------------------------------------------
_add(
    Law(
        "DE",
        ("de",),
        "EUR",
        business=(
            Regime(
                Provision({"de": "§ 288 Abs. 2 BGB"}),
                "DE_BASIS",
                D(9),
                sources=(
                    "§ 288 Abs. 2 BGB: neun Prozentpunkte über dem Basiszinssatz "
                    "(baurechtsuche.de/fachartikel/neue-verzugszinsen)",
                    "§ 247 BGB Basiszinssatz, Bundesbank (stb-bruns.com/basiszinssatz-wurde-angepasst)",
                ),
            ),
        ),
        compensation=_eur40(
            {"de": "§ 288 Abs. 5 BGB"},
            "§ 288 Abs. 5 BGB: Pauschale von 40 Euro, wenn der Schuldner kein Verbraucher ist",
        ),
        consumer=(
            Regime(
                Provision({"de": "§ 288 Abs. 1 BGB"}),
                "DE_BASIS",
                D(5),
                sources=("§ 288 Abs. 1 BGB: fünf Prozentpunkte über dem Basiszinssatz",),
            ),
        ),
        due_date_shift=Provision({"de": "§ 193 BGB"}),
        allocation=(COSTS, INTEREST, PRINCIPAL),
        allocation_provision=Provision({"de": "§ 367 Abs. 1 BGB"}),
        not_modelled=(
            "Day count: German law fixes none; arcollect uses ACT/365 (courts also use ACT/ACT or 30/360).",
            "Verzug without a calendar due date (§ 286 Abs. 3 BGB, 30 days after the invoice): arcollect starts "
            "interest the day after the due date of the invoice row.",
            "Higher damages (§ 288 Abs. 4 BGB) and contractual rates above the statute unless set as a late charge.",
        ),
        sources=(
            "§ 193 BGB (gesetzklar.de/bgb; rechtswoerterbuch.de/gesetze/bgb/193); BGH, Urteil vom 1.2.2007 – III ZR "
            "159/06: "
            "§ 193 BGB gilt für Fristen, nach deren Ende der Verzug beginnt (webshoprecht.de; nwb.de)",
            "§ 367 Abs. 1 BGB: zunächst auf die Kosten, dann auf die Zinsen und zuletzt auf die Hauptleistung "
            "(dejure.org/gesetze/BGB/367.htm; bustler.de)",
        ),
    )
)

# ---- Austria ---------------------------------------------------------------------------------------------------
_add(
    Law(
        "AT",
        ("de",),
        "EUR",
        business=(
            Regime(
                Provision({"de": "§ 456 UGB"}),
                "AT_BASIS",
                D("9.2"),
                sources=(
                    "§ 456 UGB: 9,2 Prozentpunkte über dem Basiszinssatz; der Basiszinssatz am ersten Kalendertag "
                    "eines "
                    "Halbjahres ist für das Halbjahr maßgebend "
                    "(gesetzefinden.at/bundesrecht/bundesgesetze/ugb/para-456)",
                    _E_JUSTICE.format("Austria"),
                ),
            ),
        ),
        compensation=_eur40({"de": "§ 458 UGB"}, "§ 458 UGB: Pauschale von 40 Euro (basiszins.at/verzugszinsen.php)"),
        consumer=(
            Regime(
                Provision({"de": "§ 1000 Abs. 1 ABGB"}),
                None,
                D(4),
                sources=("§ 1000 Abs. 1 ABGB: 4 % (basiszins.at/verzugszinsen.php; e-justice.europa.eu Austria)",),
            ),
        ),
        not_modelled=(
            "§ 456 Satz 3 UGB: when the debtor is not responsible for the delay only 4 % (§ 1000 Abs. 1 ABGB) are "
            "owed; arcollect assumes the debtor is responsible (the statute's rebuttable default).",
            "Weekend and holiday due dates are not moved (no source found for payment dates).",
            "Payment allocation (§ 1416 ABGB) is not modelled: a payment reduces the principal.",
        ),
    )
)

# ---- France ----------------------------------------------------------------------------------------------------
_add(
    Law(
        "FR",
        ("fr",),
        "EUR",
        business=(
            _ecb(
                {"fr": "article L441-10 du Code de commerce"},
                10,
                "Bpifrance: taux BCE + 10 points, montant × taux × jours / 365 "
                "(bpifrance-creation.fr/boiteaoutils/taux-penalites-retard)",
                "agenceobjectifpaiement.com/pages/penalites-de-retard-de-paiement.html",
            ),
        ),
        compensation=_eur40(
            {"fr": "article D441-5 du Code de commerce"},
            "décret 2012-1115, indemnité forfaitaire de 40 euros (legifrance.gouv.fr/jorf/id/JORFTEXT000026453427)",
        ),
        consumer=(
            Regime(
                Provision({"fr": "article L313-2 du Code monétaire et financier"}),
                "FR_TAUX_LEGAL",
                D(0),
                sources=(
                    "arrêtés semestriels, taux de l'intérêt légal « pour tous les autres cas » (dandrel-avocats.fr; "
                    "juriblio.fr)",
                ),
            ),
        ),
        allocation=(INTEREST, COSTS, PRINCIPAL),
        allocation_provision=Provision({"fr": "article 1343-1 du Code civil"}),
        not_modelled=(
            "The contractual floor of three times the taux légal (art. L441-10) is not checked for late charges.",
            "The consumer rate's increase by 5 points two months after a judgment (art. L313-3 CMF).",
        ),
        sources=(
            "art. 1343-1 C. civ.: « le paiement partiel s'impute d'abord sur les intérêts » (help-voisinage.fr Code "
            "civil "
            "2018; kohenavocats.fr); Cass. 1re civ. 7 févr. 1995, n° 92-14.216: frais de recouvrement also before the "
            "capital (aurelienbamde.com)",
        ),
    )
)

# ---- United Kingdom --------------------------------------------------------------------------------------------
_GB_TIERS = ((D(1000), D(40)), (D(10000), D(70)), (_INF, D(100)))
_add(
    Law(
        "GB",
        ("en",),
        "GBP",
        business=(
            Regime(
                Provision({"en": "Late Payment of Commercial Debts (Interest) Act 1998"}),
                "GB_BANK_RATE",
                D(8),
                fixed_on=FIXED_ON_FIRST_INTEREST_DAY,
                sources=(
                    "gov.uk/late-commercial-payments-interest-debt-recovery/charging-interest-commercial-debt: base "
                    "rate + 8 %, simple, ÷ 365",
                    "payontime.co.uk: base rate on 31 Dec / 30 Jun fixed for the debt",
                ),
            ),
        ),
        compensation=Compensation(
            Provision({"en": "section 5A of the Late Payment of Commercial Debts (Interest) Act 1998"}),
            "GBP",
            _GB_TIERS,
            sources=("gov.uk: £40 below £1,000, £70 from £1,000 to £9,999.99, £100 from £10,000",),
        ),
        not_modelled=(
            "Consumers: the Act covers business-to-business debts only; arcollect charges a consumer nothing.",
            "Reasonable recovery costs above the fixed sum (s. 5A(2A)).",
            "Due dates are not moved: the Act has no weekend rule.",
        ),
    )
)

# ---- Netherlands -----------------------------------------------------------------------------------------------
_BIK = Compensation(
    Provision({"nl": "artikel 6:96 BW en het Besluit vergoeding voor buitengerechtelijke incassokosten"}),
    "EUR",
    scale=((D(2500), D(15)), (D(2500), D(10)), (D(5000), D(5)), (D(190000), D(1)), (_INF, D("0.5"))),
    minimum=D(40),
    maximum=D(6775),
    sources=(
        "Besluit vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141), art. 2: 15 % over de eerste "
        "€ 2500, 10 % over de volgende € 2500, 5 % over de volgende € 5000, 1 % over de volgende € 190.000, 0,5 % "
        "over het meerdere, maximum € 6775, ten minste € 40 (zoek.officielebekendmakingen.nl/stb-2012-141.html)",
    ),
)
_add(
    Law(
        "NL",
        ("nl",),
        "EUR",
        business=(
            _ecb(
                {"nl": "artikel 6:119a BW"},
                8,
                "abenslag.nl: handelsrente = ECB-rente + 8 (10,5 % per 1 januari 2023)",
                "watsonlaw.nl (12 % per 1 juli 2023); mijn.metaalunie.nl (12,25 % per 1 juli 2024)",
                compounds_yearly=True,
            ),
        ),
        compensation=_BIK,
        consumer=(
            Regime(
                Provision({"nl": "artikel 6:119 BW"}),
                "NL_WETTELIJKE_RENTE",
                D(0),
                compounds_yearly=True,
                sources=(
                    "abenslag.nl; watsonlaw.nl; mijn.metaalunie.nl; nl.wikipedia.org/wiki/Wettelijke_rente",
                    "Besluit vaststelling wettelijke rente (BWBR0047640): 6 % per 1 januari 2025, 4 % per 1 januari "
                    "2026 (KB 10 december 2025); no later version by September 2026",
                ),
            ),
        ),
        consumer_compensation=_BIK,
        consumer_notice=Provision({"nl": "artikel 6:96 lid 6 BW"}),
        notice_days=14,
        allocation=(COSTS, INTEREST, PRINCIPAL),
        allocation_provision=Provision({"nl": "artikel 6:44 lid 1 BW"}),
        not_modelled=(
            "The BIK increase by VAT for creditors who cannot deduct it (Besluit art. 2 lid 3).",
            "Interest runs from the day after the due date; a consumer is only in verzuim after a notice of "
            "default unless the due date is a fatal term (art. 6:82/6:83 BW) — arcollect assumes a fatal term.",
            "The Aging sheet shows the BIK scale of each invoice on its own; a letter claiming several invoices "
            "applies it to their summed principal (mail.compose._on_the_claim; das.nl, ruebincasso.nl: 'de "
            "hoofdsommen bij elkaar opgeteld'), shared out over its invoices.",
        ),
        sources=(
            "art. 6:44 lid 1 BW: eerst de kosten, vervolgens de verschenen rente, ten slotte de hoofdsom "
            "(mijnwetten.nl/burgerlijk-wetboek-boek-6/artikel44); HR: buitengerechtelijke incassokosten are 'kosten' "
            "(hautlegal.nl)",
            "art. 6:96 lid 6 BW, veertiendagenbrief: a consumer owes collection costs only after a reminder giving 14 "
            "days from the day after receipt (huurregels.nl; ECLI:NL:PHR:2014:289)",
        ),
    )
)

# ---- Italy -----------------------------------------------------------------------------------------------------
_add(
    Law(
        "IT",
        ("it",),
        "EUR",
        business=(
            _ecb(
                {"it": "art. 5 del D.Lgs. 9 ottobre 2002, n. 231"},
                8,
                "MEF comunicati: tasso di riferimento per semestre (studiotisi.it; edotto.com; studiodibattista.com)",
            ),
        ),
        compensation=_eur40(
            {"it": "art. 6 del D.Lgs. 9 ottobre 2002, n. 231"}, "D.Lgs. 231/2002 art. 6: importo forfettario di 40 euro"
        ),
        consumer=(
            Regime(
                Provision({"it": "art. 1284 del codice civile"}),
                "IT_SAGGIO_LEGALE",
                D(0),
                sources=(
                    "D.M. annuale sul saggio degli interessi legali (terredemilia.confcooperative.it; misterlex.it)",
                ),
            ),
        ),
        not_modelled=(
            "Due dates on a Sunday or holiday (art. 1187 and 2963 c.c.) are not moved.",
            "Payment allocation (art. 1194 c.c.) is not modelled: a payment reduces the principal.",
        ),
    )
)

# ---- Spain -----------------------------------------------------------------------------------------------------
_add(
    Law(
        "ES",
        ("es",),
        "EUR",
        business=(
            _ecb(
                {"es": "artículo 7 de la Ley 3/2004, de 29 de diciembre"},
                8,
                "orientelegal.es: 11,15 % primer semestre 2025; buadeslegal.com: 10,5 % primer semestre 2023",
            ),
        ),
        compensation=_eur40({"es": "artículo 8 de la Ley 3/2004, de 29 de diciembre"}, "Ley 3/2004 art. 8: 40 euros"),
        consumer=(
            Regime(
                Provision({"es": "artículo 1108 del Código Civil"}),
                "ES_INTERES_LEGAL",
                D(0),
                sources=("interés legal del dinero, Ley de Presupuestos Generales del Estado (padulles.net)",),
            ),
        ),
        not_modelled=("Payment allocation (art. 1173 Código Civil) is not modelled: a payment reduces the principal.",),
    )
)

# ---- Ireland ---------------------------------------------------------------------------------------------------
_add(
    Law(
        "IE",
        ("en",),
        "EUR",
        business=(
            _ecb(
                {
                    "en": "European Communities (Late Payment in Commercial Transactions) Regulations 2012 "
                    "(S.I. No. 580 of 2012)"
                },
                8,
                "enterprise.gov.ie/en/faqs/what-is-the-late-payment-interest-rate-1.html: ECB rate + 8, the ECB rate "
                "in force on the payment date",
                fixed_on=FIXED_ON_DUE_DATE,
            ),
        ),
        compensation=Compensation(
            Provision({"en": "Regulation 9 of S.I. No. 580 of 2012"}),
            "EUR",
            ((D(1000), D(40)), (D(10000), D(70)), (_INF, D(100))),
            tier_bound_inclusive=True,
            sources=("S.I. 580/2012 Schedule: €40 up to €1,000, €70 above €1,000 up to €10,000, €100 above €10,000",),
        ),
        not_modelled=("Consumers: the Regulations cover commercial transactions only.",),
    )
)

# ---- Belgium ---------------------------------------------------------------------------------------------------
_BE_2002 = {
    "fr": "article 5 de la loi du 2 août 2002 concernant la lutte contre le retard de paiement dans les "
    "transactions commerciales",
    "nl": "artikel 5 van de wet van 2 augustus 2002 betreffende de bestrijding van de betalingsachterstand bij "
    "handelstransacties",
}
_add(
    Law(
        "BE",
        ("fr", "nl"),
        "EUR",
        business=(
            _ecb(
                _BE_2002,
                8,
                "medenam.be: 12,5 % au premier semestre 2024 (article 5, alinéa 2, loi du 2 août 2002)",
                "trendstop.levif.be: 12,5 % au second semestre 2024; leuropeinfo.eu (Schoups): 11,5 % premier semestre "
                "2025; embuild.be: 10,50 premier semestre 2026; phc-expert.be: 8 % en 2020 et 2021",
                round_up_to_half=True,
            ),
        ),
        consumer=(
            Regime(
                Provision(
                    {
                        "fr": "loi du 5 mai 1865 relative au prêt à l'intérêt (taux d'intérêt légal)",
                        "nl": "wet van 5 mei 1865 betreffende de lening tegen intrest (wettelijke rentevoet)",
                    }
                ),
                "BE_TAUX_LEGAL",
                D(0),
                sources=(
                    "leuropeinfo.eu (Schoups): taux d'intérêt légal 5,75 % (2024), 4,5 % (2025); embuild.be: 4,5 % "
                    "(2026)",
                ),
            ),
        ),
        not_modelled=(
            "The fixed compensation of the law of 2 August 2002 (art. 6): no source confirmed its amount.",
            "Payment allocation is not modelled: a payment reduces the principal.",
        ),
    )
)

# ---- Portugal --------------------------------------------------------------------------------------------------
_add(
    Law(
        "PT",
        ("pt",),
        "EUR",
        business=(
            _ecb(
                {"pt": "artigo 102.º, § 5.º, do Código Comercial e Decreto-Lei n.º 62/2013, de 10 de maio"},
                8,
                "DL 62/2013 / Código Comercial art. 102.º § 5.º: a taxa supletiva, fixed each half-year by aviso, may "
                "not be below the ECB rate before 1 January / 1 July + 8 points (lexpoint.pt; nascimentocatarino.com)",
                "published avisos equal ECB + 8: 10,5 % 1.º semestre 2023 (tsf.pt), 12,25 % 2.º semestre 2024 (Aviso "
                "14751/2024/2, apcmc.pt), 11,15 % 1.º semestre 2025 and 10,15 % 2.º semestre 2025 (Aviso 16792/2025/2, "
                "capitalizar.pt), 10,15 % 1.º semestre 2026 (lexpoint.pt)",
            ),
        ),
        not_modelled=(
            "Two secondary sources (airv.pt, lexpoint.pt) give 11,15 % for the second half of 2025; the aviso as "
            "reported by capitalizar.pt and the statutory floor (ECB 2.15 + 8) give 10,15 %, which arcollect applies.",
            "The €40 compensation of DL 62/2013 art. 7 (no source confirmed it); consumers (juros civis).",
        ),
    )
)

# ---- Sweden ----------------------------------------------------------------------------------------------------
_SE = Provision({"sv": "6 § räntelagen (1975:635)"})
_add(
    Law(
        "SE",
        ("sv",),
        "SEK",
        business=(
            Regime(
                _SE,
                "SE_REF",
                D(8),
                sources=("dröjsmålsränta = referensränta + 8 procentenheter (loanster.se; lneguiden.se)",),
            ),
        ),
        consumer=(Regime(_SE, "SE_REF", D(8), sources=("räntelagen 6 § applies to consumers too (lneguiden.se)",)),),
        not_modelled=(
            "Förseningsersättning (SEK 450, lag 1981:739): no source confirmed the amount.",
            "Referensränta from 1 July 2024: not found in the sources; those days raise an error.",
        ),
    )
)

# ---- Poland ----------------------------------------------------------------------------------------------------
_add(
    Law(
        "PL",
        ("pl",),
        "PLN",
        business=(
            Regime(
                Provision(
                    {
                        "pl": "art. 4 pkt 3 ustawy z dnia 8 marca 2013 r. o przeciwdziałaniu nadmiernym opóźnieniom "
                        "w transakcjach handlowych"
                    }
                ),
                "PL_COMMERCIAL",
                D(0),
                sources=(
                    "obwieszczenie w sprawie wysokości odsetek ustawowych za opóźnienie w transakcjach handlowych "
                    "(e-pik.prawodlapraktykow.pl)",
                ),
            ),
        ),
        compensation=Compensation(
            Provision(
                {
                    "pl": "art. 10 ust. 1 ustawy z dnia 8 marca 2013 r. o przeciwdziałaniu nadmiernym opóźnieniom "
                    "w transakcjach handlowych"
                }
            ),
            "PLN",
            ((D(5000), D(40)), (D(50000), D(70)), (_INF, D(100))),
            sum_currency="EUR",
            converted_on=ON_MONTH_BEFORE_DUE,
            sources=(
                "art. 10 ust. 1: 40/70/100 euro (świadczenie do 5000 zł / do 50 000 zł / od 50 000 zł), przeliczone "
                "według średniego kursu euro NBP z ostatniego dnia roboczego miesiąca poprzedzającego miesiąc, w "
                "którym "
                "świadczenie stało się wymagalne",
            ),
        ),
        not_modelled=(
            "Most half-years: only H1 2021 (10,1 %) was found in the sources; other days raise an error naming the "
            "missing rate.",
            "arcollect converts at your FX sheet's rate of that day, not the NBP rate the statute names.",
            "Consumers (art. 481 k.c.) are not modelled.",
        ),
    )
)

# ---- Switzerland -----------------------------------------------------------------------------------------------
_CH = Provision({"de": "Art. 104 Abs. 1 OR", "fr": "art. 104, al. 1, CO", "it": "art. 104 cpv. 1 CO"})
_add(
    Law(
        "CH",
        ("de", "fr", "it"),
        "CHF",
        business=(
            Regime(
                _CH,
                None,
                D(5),
                sources=(
                    "Art. 104 Abs. 1 OR: Verzugszinse zu fünf vom Hundert (entscheide.weblaw.ch; swissrights.ch)",
                ),
            ),
        ),
        consumer=(Regime(_CH, None, D(5), sources=("Art. 104 Abs. 1 OR applies to every debtor",)),),
        due_date_shift=Provision({"de": "Art. 78 OR", "fr": "art. 78 CO", "it": "art. 78 CO"}),
        allocation=(COSTS, INTEREST, PRINCIPAL),
        allocation_provision=Provision(
            {"de": "Art. 85 Abs. 1 OR", "fr": "art. 85, al. 1, CO", "it": "art. 85 cpv. 1 CO"}
        ),
        not_modelled=(
            "Swiss law has no fixed compensation for recovery costs.",
            "Art. 104 Abs. 3 OR (a higher bank discount rate between merchants).",
            "Saturdays: Art. 78 OR moves only Sundays and holidays; the 1963 Act equating Saturdays applies to "
            "statutory time limits. arcollect moves Saturday due dates too (business days), which favours the debtor.",
        ),
        sources=(
            "Art. 78 OR (droit-bilingue.ch; lawbrary.ch)",
            "Art. 85 Abs. 1 OR: Teilzahlung nur insoweit auf das Kapital, als er nicht mit Zinsen oder Kosten im "
            "Rückstande ist (lawbrary.ch; teilzahlungen.ch: Kosten, Zinsen, Kapital)",
        ),
    )
)

# ---- Czech Republic --------------------------------------------------------------------------------------------
_CZ = Provision({"cs": "§ 1970 občanského zákoníku a § 2 nařízení vlády č. 351/2013 Sb."})
_CZ_SOURCES = (
    "NV 351/2013 § 2: repo sazba ČNB pro první den kalendářního pololetí, v němž došlo k prodlení, zvýšená o 8 "
    "procentních bodů, po celou dobu prodlení (karolinakazdova.cz; bekrfacility.cz)",
)
_add(
    Law(
        "CZ",
        ("cs",),
        "CZK",
        business=(Regime(_CZ, "CZ_REPO", D(8), fixed_on=FIXED_ON_FIRST_INTEREST_DAY, sources=_CZ_SOURCES),),
        consumer=(Regime(_CZ, "CZ_REPO", D(8), fixed_on=FIXED_ON_FIRST_INTEREST_DAY, sources=_CZ_SOURCES),),
        not_modelled=(
            "The minimum recovery costs of NV 351/2013 § 3 (no source confirmed the amount).",
            "Repo rates for delays from 1 January 2023: not found in the sources; those raise an error.",
        ),
    )
)

# ---- Denmark ---------------------------------------------------------------------------------------------------
_DK = Provision({"da": "renteloven § 5, stk. 1"})
_DK_SOURCES = (
    "renteloven § 5: Nationalbankens udlånsrente pr. 1. januar og 1. juli + 8 pct. (pav.medst.dk; "
    "selandiaadvokater.dk; forbrug.dk)",
)
_add(
    Law(
        "DK",
        ("da",),
        "DKK",
        business=(Regime(_DK, "DK_LENDING", D(8), sources=_DK_SOURCES),),
        consumer=(Regime(_DK, "DK_LENDING", D(8), sources=_DK_SOURCES),),
        not_modelled=("The compensation of renteloven § 9 b (no source confirmed the amount).",),
    )
)

# ---- Finland ---------------------------------------------------------------------------------------------------
_add(
    Law(
        "FI",
        ("fi", "sv"),
        "EUR",
        business=(
            _ecb(
                {"fi": "korkolain 4 a §", "sv": "4 a § räntelagen"},
                8,
                "Suomen Pankki: viitekorko = EKP:n perusrahoitusoperaation korko pyöristettynä ylöspäin lähimpään "
                "puoleen "
                "prosenttiyksikköön; kaupallisissa sopimuksissa + 8 (suomenpankki.fi tiedote 29/2013; finlex "
                "1276/2022; "
                "sttinfo.fi 1.1.–30.6.2026: 2,5 % / 10,5 %)",
                round_up_to_half=True,
            ),
        ),
        consumer=(
            _ecb(
                {"fi": "korkolain 4 §", "sv": "4 § räntelagen"},
                7,
                "korkolaki 4 §: viitekorko + 7 prosenttiyksikköä (sttinfo.fi; aamuset.fi)",
                round_up_to_half=True,
            ),
        ),
        not_modelled=("The €40 of the Act on Payment Terms in Commercial Contracts (no source confirmed it).",),
    )
)

# ---- Slovenia --------------------------------------------------------------------------------------------------
_SI = {"sl": "2. člen Zakona o predpisani obrestni meri zamudnih obresti (ZPOMZO-1)"}
_SI_SOURCE = (
    "ZPOMZO-1: vodilna obrestna mera ECB + 8 odstotnih točk za šestmesečno obdobje (bsi.si temeljna in zamudna "
    "obrestna mera; uradni-list.si 2023-01: 10,5 %; kvestor.eu: 12,25 % od 1. 7. 2024)"
)
_add(
    Law(
        "SI",
        ("sl",),
        "EUR",
        business=(_ecb(_SI, 8, _SI_SOURCE),),
        consumer=(_ecb(_SI, 8, _SI_SOURCE),),
        not_modelled=("The €40 compensation of ZPreZP-1 (no source confirmed it).",),
    )
)

# ---- Slovakia --------------------------------------------------------------------------------------------------
_add(
    Law(
        "SK",
        ("sk",),
        "EUR",
        business=(
            Regime(
                Provision({"sk": "§ 369 Obchodného zákonníka a § 1 ods. 1 nariadenia vlády č. 21/2013 Z. z."}),
                "ECB_MRO_DAY",
                D(8),
                fixed_on=FIXED_ON_FIRST_INTEREST_DAY,
                sources=(
                    "NV 21/2013: základná úroková sadzba ECB navýšená o 8 percentuálnych bodov (iusit.online/uroky); "
                    "the "
                    "ECB rate valid on the first day of delay (banky.sk; legaladvisory.sk)",
                ),
            ),
        ),
        compensation=_eur40(
            {"sk": "§ 369c Obchodného zákonníka"},
            "Obchodný zákonník: paušálna náhrada 40 eur, nie voči spotrebiteľovi (bartosiksvaby.sk)",
        ),
        consumer=(
            Regime(
                Provision({"sk": "§ 517 ods. 2 Občianskeho zákonníka a § 3 nariadenia vlády č. 87/1995 Z. z."}),
                "ECB_MRO_DAY",
                D(5),
                fixed_on=FIXED_ON_FIRST_INTEREST_DAY,
                sources=("NV 87/1995 § 3: ECB + 5 p. b. platná k prvému dňu omeškania (legaladvisory.sk; banky.sk)",),
            ),
        ),
    )
)

# ---- Estonia, Latvia, Lithuania --------------------------------------------------------------------------------
_EE = {"et": "võlaõigusseaduse § 113 lõige 1"}
_add(
    Law(
        "EE",
        ("et",),
        "EUR",
        business=(
            _ecb(_EE, 8, _E_JUSTICE.format("Estonia") + ": § 94 rate (ECB MRO before 1 Jan / 1 Jul) + 8 % a year"),
        ),
        consumer=(_ecb(_EE, 8, _E_JUSTICE.format("Estonia") + ": one statutory rate for every monetary obligation"),),
        not_modelled=("The €40 compensation (no source confirmed it).",),
    )
)
_add(
    Law(
        "LV",
        ("lv",),
        "EUR",
        business=(
            _ecb(
                {"lv": "Civillikuma 1765. panta otrā daļa"},
                8,
                _E_JUSTICE.format("Latvia")
                + ": astoņi procentpunkti virs procentu pamatlikmes (ECB MRO before the half-year)",
            ),
        ),
        consumer=(
            Regime(
                Provision({"lv": "Civillikuma 1765. panta otrā daļa"}),
                None,
                D(6),
                sources=(
                    _E_JUSTICE.format("Latvia")
                    + ": līguma attiecībās, kurās piedalās patērētājs, – seši procenti gadā",
                ),
            ),
        ),
        not_modelled=("The €40 compensation (no source confirmed it).",),
    )
)
_add(
    Law(
        "LT",
        ("lt",),
        "EUR",
        business=(
            _ecb(
                {"lt": "Mokėjimų, atliekamų pagal komercines sutartis, vėlavimo prevencijos įstatymo 4 straipsnis"},
                8,
                "triniti.eu: ECB + 8, the rate of the half-year in which the duty to pay interest arose",
                fixed_on=FIXED_ON_FIRST_INTEREST_DAY,
            ),
        ),
        not_modelled=("The fixed compensation (amount not confirmed); consumers (civil code).",),
    )
)

# ---- Greece, Cyprus, Malta, Luxembourg, Croatia ---------------------------------------------------------------
_add(
    Law(
        "GR",
        ("el",),
        "EUR",
        business=(_ecb({"el": "ν. 4152/2013"}, 8, "lawgroup.gr: ECB reference rate + 8 (L. 4152/2013)"),),
        compensation=_eur40({"el": "ν. 4152/2013"}, "lawgroup.gr: €40 without notice (L. 4152/2013)"),
        not_modelled=("Consumers (Bank of Greece non-bank rate) are not modelled.",),
    )
)
_add(
    Law(
        "CY",
        ("el",),
        "EUR",
        business=(
            _ecb(
                {"el": "Ν. 123(I)/2012"},
                8,
                "agplaw.com: reference rate + 8 per semester (Law 123(I)/2012); cyadvocates.com",
            ),
        ),
        compensation=_eur40({"el": "Ν. 123(I)/2012"}, "agplaw.com; harriskyriakides.law: €40"),
        not_modelled=(
            "Sources disagree whether one rate (of the payment date) or the half-year rates apply; arcollect applies "
            "the half-year rates.",
        ),
    )
)
_add(
    Law(
        "MT",
        ("en", "mt"),
        "EUR",
        business=(
            _ecb(
                {"en": "Commercial Code (Cap. 13), Title II, Sub-Title IA", "mt": "Kodiċi tal-Kummerċ (Kap. 13)"},
                8,
                "finance.gov.mt/resources/late-payments: reference rate + 8 %, rate in force on 1 January / 1 July "
                "(10.15 % from 1 January 2026); businessnow.mt: 12.25 % from 1 July 2024",
            ),
        ),
        not_modelled=("The €40 compensation (no source confirmed it); consumers.",),
    )
)
_LU = {"fr": "loi modifiée du 18 avril 2004 relative aux délais de paiement et aux intérêts de retard"}
_add(
    Law(
        "LU",
        ("fr", "de"),
        "EUR",
        business=(
            _ecb(
                _LU,
                8,
                "mj.gouvernement.lu/fr/service-citoyens/taux-interet-legal.html (Ministère de la Justice): taux "
                "marginal de référence publié au Mémorial B au début de chaque semestre, majoré de 8 points de "
                "pourcentage; second semestre 2024: 12,25 %",
                "loi du 29 mars 2013 (Mémorial A n° 67 du 11 avril 2013) raised the margin of the law of 18 April "
                "2004 from 7 to 8 points (blog.thewes-reuter.lu; agenceobjectifpaiement.com)",
                "cdm.lu (Chambre des Métiers): somme due × jours de retard × taux annuel / 36 500",
            ),
        ),
        not_modelled=(
            "Consumers: the taux d'intérêt légal (règlement grand-ducal per year; 4.50 % for 2024, "
            "mj.gouvernement.lu) runs only from the end of the third month after delivery and only if the invoice, "
            "sent within a month, announced it (cdm.lu; guichet.public.lu); arcollect has no delivery date and the "
            "other years' rates were not found, so a consumer is charged nothing statutory.",
            "The €40 compensation of the law of 29 March 2013 (no Luxembourg source in reach confirmed the sum).",
            "Whether the rate of the half-year in which the delay began applies for the whole delay: the "
            "Ministry publishes one rate per semester and arcollect applies each half-year's rate to its days.",
        ),
        sources=(_E_JUSTICE.format("Luxembourg"),),
    )
)
_HR = Provision({"hr": "članak 29. stavak 2. Zakona o obveznim odnosima"})
_HR_RULE = (
    _E_JUSTICE.format("Croatia") + ": ZOO arts 29-31 (NN 35/05 … 114/22, 156/22); from 1 January 2023 the rate "
    "for commercial contracts is the ECB rate on its most recent main refinancing operation before the first day "
    "of the current half-year + 8 points, + 3 points in other relations; until 2022 the HNB average rate on "
    "loans over one year to non-financial companies + 5 (other relations + 3), per half-year"
)
_HR_2023 = "confida.hr: od 1. siječnja 2023. 10,50 % (2,50 + 8) između trgovaca, 5,50 % (2,50 + 3) u ostalim odnosima"
_HR_2021 = "confida.hr: od 1. srpnja 2021. 7,61 % (2,61 + 5) između trgovaca, 5,61 % (2,61 + 3) u ostalim odnosima"
_add(
    Law(
        "HR",
        ("hr",),
        "EUR",
        business=(
            Regime(_HR, "HR_HNB_AVERAGE", D(5), sources=(_HR_RULE, _HR_2021)),
            Regime(_HR, "ECB_MRO", D(8), valid_from="2023-01-01", sources=(_HR_RULE, _HR_2023)),
        ),
        consumer=(
            Regime(_HR, "HR_HNB_AVERAGE", D(3), sources=(_HR_RULE, _HR_2021)),
            Regime(_HR, "ECB_MRO", D(3), valid_from="2023-01-01", sources=(_HR_RULE, _HR_2023)),
        ),
        not_modelled=(
            "The HNB average rates of 1 January 2021 and 1 January / 1 July 2022 were not found (1 July 2021: "
            "2.61 %, confida.hr, but the series cannot skip a half-year): days from 1 January 2021 to 31 December "
            "2022 raise an error naming the missing rate.",
            "The €40 compensation of the Zakon o financijskom poslovanju i predstečajnoj nagodbi (no source confirmed "
            "the amount or its article).",
            "Whether a debt that fell due before 2023 keeps the pre-2023 rule after 1 January 2023: arcollect applies "
            "each half-year's rule to its own days.",
        ),
    )
)

# ---- Bulgaria, Hungary, Romania --------------------------------------------------------------------------------
_BG = Provision({"bg": "Постановление № 426 на Министерския съвет от 2014 г."})
_BG_BNB = "ПМС 426/2014: основният лихвен процент на БНБ + 10 пункта (bnr.bg; penkov-markov.eu)"
_BG_ECB = "from 1 January 2026 the ECB MRO rate + 8 points (ruse24.bg; dnes.bg, 23.12.2025)"
_add(
    Law(
        "BG",
        ("bg",),
        "EUR",
        business=(
            Regime(_BG, "BG_BASE", D(10), sources=(_BG_BNB,)),
            Regime(_BG, "ECB_MRO", D(8), valid_from="2026-01-01", sources=(_BG_ECB,)),
        ),
        consumer=(
            Regime(_BG, "BG_BASE", D(10), sources=(_BG_BNB,)),
            Regime(_BG, "ECB_MRO", D(8), valid_from="2026-01-01", sources=(_BG_ECB,)),
        ),
        not_modelled=(
            "BNB base rates before 1 July 2023 and for 2025 were not found: those days raise an error.",
            "The €40 compensation (no source confirmed it).",
        ),
    )
)
_HU = Provision({"hu": "a Polgári Törvénykönyvről szóló 2013. évi V. törvény 6:155. § (1) bekezdése"})
_HU_CONSUMER = Provision({"hu": "a Polgári Törvénykönyvről szóló 2013. évi V. törvény 6:48. § (1) bekezdése"})
_add(
    Law(
        "HU",
        ("hu",),
        "HUF",
        business=(
            Regime(
                _HU,
                "HU_BASE",
                D(8),
                sources=(
                    "Ptk. 6:155. § (1): vállalkozások közötti szerződésnél a késedelemmel érintett naptári félév első "
                    "napján érvényes jegybanki alapkamat + nyolc százalékpont (kesedelmi-kamat.hu; kamatkalkulator.hu)",
                    "uzletresz.hu 2018-12: vállalkozások közötti szerződéseknél a jegybanki alapkamat 8 százalékkal "
                    "növelt értéke; több félév esetén mindig az adott félév első napján érvényes kamattal",
                ),
            ),
        ),
        compensation=Compensation(
            Provision({"hu": "a behajtási költségátalányról szóló 2016. évi IX. törvény 3. § (1) bekezdése"}),
            "EUR",
            _EUR_40,
            sources=(
                "2016. évi IX. tv. 3. § (1): negyven euró az MNB késedelmi kamatfizetési kötelezettség kezdőnapján "
                "érvényes árfolyamán",
            ),
        ),
        consumer=(
            Regime(
                _HU_CONSUMER,
                "HU_BASE",
                D(0),
                sources=(
                    "Ptk. 6:48. § (1): a késedelemmel érintett naptári félév első napján érvényes jegybanki alapkamat "
                    "(napi.hu 2022-11, quoting the Ptk.; ado.hu quoting 6:48. §)",
                ),
            ),
        ),
        not_modelled=(
            "MNB base rates before 1 July 2022 and from 1 July 2026 were not found: those days raise an error "
            "naming the missing rate.",
            "The emergency cap of 25 % a year on default interest (Government decree of November 2022): the "
            "statutory rates shipped stay below it.",
            "arcollect converts the €40 at your FX sheet's rate of the first day of interest, not the MNB rate.",
        ),
    )
)
_add(
    Law(
        "RO",
        ("ro",),
        "RON",
        business=(
            Regime(
                Provision({"ro": "art. 3 alin. (2^1) din Ordonanța Guvernului nr. 13/2011"}),
                "RO_REF",
                D(8),
                sources=(
                    "OG 13/2011 art. 3: între profesioniști și între profesioniști și autorități contractante, rata "
                    "dobânzii de referință a BNR plus 8 puncte procentuale (legal-easy.ro; totalaudit.ro; Legea "
                    "72/2013)",
                    "totalaudit.ro: rata de referință în vigoare în prima zi calendaristică a semestrului se aplică pe "
                    "întregul semestru",
                ),
            ),
        ),
        not_modelled=(
            "Consumers: OG 13/2011 art. 3 alin. (2)-(3) give the reference rate + 4 points, reduced by 20 % in "
            "relations that do not arise from operating an enterprise; which applies to a consumer's debt to a "
            "business was not confirmed, so a consumer is charged nothing statutory.",
            "BNR rates before 1 July 2022 and from 1 January 2026 were not confirmed: those days raise an error "
            "naming the missing rate.",
            "The €40 compensation of Legea nr. 72/2013 (no source confirmed the amount or its article).",
        ),
    )
)


# ---- EEA: Norway, Iceland, Liechtenstein -----------------------------------------------------------------------
_NO = Provision({"no": "forsinkelsesrenteloven § 3"})
_NO_SOURCE = (
    "forsinkelsesrenten: Norges Banks styringsrente + 8 prosentpoeng, 1. januar og 1. juli (regnskapnorge.no; bahs.no)"
)
_add(
    Law(
        "NO",
        ("no",),
        "NOK",
        business=(Regime(_NO, "NO_FORSINKELSESRENTE", D(0), sources=(_NO_SOURCE,)),),
        consumer=(Regime(_NO, "NO_FORSINKELSESRENTE", D(0), sources=(_NO_SOURCE,)),),
        not_modelled=(
            "Standardkompensasjon (NOK, set each half-year): not modelled.",
            "Only H2 2022 (9.25 %) and H1 2023 (10.75 %) were found; other days raise an error.",
        ),
    )
)
_add(
    Law(
        "IS",
        ("is",),
        "ISK",
        business=(),
        not_modelled=(
            "Dráttarvextir (lög nr. 38/2001, 5.-6. gr.: the Central Bank's meginvextir + 7 points, from the due "
            "date, capitalised yearly) are set month by month in the Seðlabanki's notices; the notices of most "
            "months of 2020-2026 were not found, so nothing statutory is charged.",
        ),
    )
)
_add(
    Law(
        "LI",
        ("de",),
        "CHF",
        business=(),
        not_modelled=(
            "Art. 336b HGB: 8 points over the SNB special rate of the liquidity-shortage financing facility "
            "(GVZV Art. 1, published for each half-year by the Amt für Volkswirtschaft; gtai.de) — the half-year "
            "rates of 2020-2026 were not found, so nothing statutory is charged.",
        ),
    )
)

#: EU and EEA states, GB and CH: the countries this module covers, whether or not a rule could be confirmed.
COVERED = tuple(sorted(LAWS))
