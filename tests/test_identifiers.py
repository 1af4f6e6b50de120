"""Every citation format that real fiches use (FICHES.md, IDENTIFIERS.md), normalised."""

import pytest

from kgbuild import identifiers as ids


@pytest.mark.parametrize("text, keys", [
    ("Kamerstukken 2019–2020, 26 643 en 32 761, nr. 640", ["26643-640"]),
    ("Kamerstuk 2022, 26 643, nr. 943", ["26643-943"]),
    ("Kamerstuk 2025-2026, nr. 29362, nr. 1331", ["29362-1331"]),
    ("(Kamerstuk 22 112, nr. 3457)", ["22112-3457"]),
    ("Kamerstukken II 2023/24, 21 501-30, nr. 612", ["21501-30-612"]),
    ("Kamerstukken I 2019/20, 36 300, D", ["36300-D"]),
    ("Kamerstuk 22112-4030", ["22112-4030"]),
    ("Kamerstukken II 2019/20, 35 300 V, nr. 5", ["35300-V-5"]),
    ("zie https://zoek.officielebekendmakingen.nl/kst-26643-640", ["26643-640"]),
    ("Internationale Cyberstrategie 2023-2028", []),  # a named paper without a number
])
def test_kamerstukken(text, keys):
    assert [k.key for k in ids.kamerstukken(text)] == keys


def test_multi_dossier_paper_keeps_the_other_dossiers():
    (ref,) = ids.kamerstukken("Kamerstukken 2019–2020, 26 643 en 32 761, nr. 640")
    assert (ref.dossier, ref.number, ref.other_dossiers) == ("26643", "640", ("32761",))


@pytest.mark.parametrize("text, celex", [
    ("Verordening (EU) 2024/1689", ["32024R1689"]),
    ("Regulations (EU) 2024/1689 and (EU) 2018/1139", ["32024R1689", "32018R1139"]),
    ("Regulation (EC) No 767/2008", ["32008R0767"]),
    ("Verordening (EU) nr. 1025/2012", ["32012R1025"]),
    ("Richtlijn 2000/31/EG", ["32000L0031"]),
    ("Directive 2008/115/EC", ["32008L0115"]),
    ("Council Decision 2004/191/EC", ["32004D0191"]),
    ("Richtlijn (EU) 2016/680", ["32016L0680"]),
    ("Besluit nr. 1313/2013/EU", ["32013D1313"]),
    ("Kaderbesluit 2008/977/JBZ van de Raad", ["32008F0977"]),
    ("Gedelegeerde Verordening (EU) 2019/980", ["32019R0980"]),
    ("https://eur-lex.europa.eu/eli/reg/2016/679/oj en CELEX:32016R0679", ["32016R0679"]),
    ("de Verordening markttoezicht", []),
])
def test_eu_acts(text, celex):
    assert ids.eu_acts(text) == celex


@pytest.mark.parametrize("text, numbers", [
    ("COM(2025) 723", ["COM(2025) 723"]),
    ("COM (2013) 534", ["COM(2013) 534"]),
    ("COM(2018)703", ["COM(2018) 703"]),
    ("COM(2021) 0206 final", ["COM(2021) 206"]),
    ("JOIN(2023) 9", ["JOIN(2023) 9"]),
])
def test_com_numbers(text, numbers):
    assert ids.com_numbers(text) == numbers


@pytest.mark.parametrize("text, keys", [
    ("artikel 4, lid 2, onder a, VWEU", ["TFEU-4-2-a"]),
    ("artikel 6, onder e, VWEU", ["TFEU-6-e"]),
    ("artikel 114 VWEU", ["TFEU-114"]),
    ("Artikel 16 en artikel 114 van het Verdrag betreffende de Werking van de Europese Unie (VWEU)",
     ["TFEU-16", "TFEU-114"]),
    ("artikel 5 VEU", ["TEU-5"]),
    ("artikel 5, lid 3, van het Verdrag betreffende de Europese Unie", ["TEU-5-3"]),
    ("Article 4(2)(a) TFEU", ["TFEU-4-2-a"]),
    ("artikel 4, tweede lid, onder a, VWEU", ["TFEU-4-2-a"]),
    ("Artikel 77, lid 2, onder b en d, VWEU", ["TFEU-77-2-b", "TFEU-77-2-d"]),
    ("Artikel 16, lid 2, en artikel 114 VWEU", ["TFEU-16-2", "TFEU-114"]),
    ("artikel 12 van de Grondwet", []),
    ("Artikel 95 EG-Verdrag", ["TEC-95"]),
])
def test_treaty_articles(text, keys):
    assert [t.key for t in ids.treaty_articles(text)] == keys


@pytest.mark.parametrize("text, found", [
    ("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A52025DC0723", ["52025DC0723"]),
    ("https://eur-lex.Europa.eu/legal-content/NL/TXT/?qid=1542015037128&uri=CELEX:52018DC0703", ["52018DC0703"]),
    ("Mededeling: EUR-Lex – 52022DC0196 – NL – EUR-Lex (europa.eu)", ["52022DC0196"]),
    ("https://eur-lex.europa.eu/resource.html?uri=cellar:0e922ce2-ff62-11ea-b…", []),
])
def test_celex_in_eurlex_fields(text, found):
    assert ids.celex_numbers(text) == found


# --- notations people type (kgbuild.lookup) -------------------------------------------------------


@pytest.mark.parametrize("text, keys", [
    ("26643-640", ["26643-640"]), ("26643/640", ["26643-640"]), ("26 643, nr. 640", ["26643-640"]),
    ("26 643 nr. 640", ["26643-640"]), ("kst-26643-640", ["26643-640"]),
    ("21501-30-612", ["21501-30-612"]), ("21 501-30, nr. 612", ["21501-30-612"]),
    ("36 300, letter D", ["36300-D"]), ("35300 V, nr. 5", ["35300-V-5"]),
    ("26643", []), ("COM(2025) 723", []), ("2019/904", []),
])
def test_kamerstuk_notations(text, keys):
    assert [k.key for k in ids.kamerstuk_notations(text)] == keys


@pytest.mark.parametrize("text, number", [
    ("COM(2025) 723", "COM(2025) 723"), ("COM/2025/723", "COM(2025) 723"),
    ("COM(2025)723 final", "COM(2025) 723"), ("COM:2025:0723:FIN", "COM(2025) 723"),
    ("COM_2025_0723_FIN", "COM(2025) 723"), ("JOIN(2023) 9", "JOIN(2023) 9"),
    ("COM 723", None), ("COM(2025)", None),
])
def test_com_notation(text, number):
    assert ids.com_notation(text) == number


def test_tk_numbers_eli_and_treaty_keys():
    assert ids.tk_numbers("2025d46581 / 2025Z19883") == [("document", "2025D46581"), ("zaak", "2025Z19883")]
    assert ids.eli_acts("http://data.europa.eu/eli/reg_impl/2019/980/oj") == ["32019R0980"]
    assert ids.treaty_notation("tfeu-4-2-a").key == "TFEU-4-2-a"
    assert ids.treaty_notation("artikel 4") is None
    assert ids.dossier_notation("21 501-30") == "21501-30" and ids.dossier_notation("2025") is None


@pytest.mark.parametrize("text, keys", [
    ("Art. 114 TFEU", ["TFEU-114"]), ("art. 5 VEU", ["TEU-5"]),
    ("Zie art. 12. Art. 4 VWEU geldt.", ["TFEU-4"]),
])
def test_abbreviated_article_word(text, keys):
    assert [t.key for t in ids.treaty_articles(text)] == keys
