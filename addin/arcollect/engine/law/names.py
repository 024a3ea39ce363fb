"""How a letter names the law it cites, in the letter's language.

    >>> from arcollect.engine.law import names
    >>> from arcollect.engine.law.national import LAWS
    >>> names.cite(LAWS["DE"].business[0].provision, "DE", "de")
    '§ 288 Abs. 2 BGB'
    >>> names.cite(LAWS["FR"].business[0].provision, "FR", "de")
    'article L441-10 du Code de commerce, französisches Recht'
    >>> names.cite(LAWS["DE"].business[0].provision, "DE", "ja")
    'ドイツ法 § 288 Abs. 2 BGB'
    >>> names.cite(LAWS["CH"].business[0].provision, "CH", "fr")
    'art. 104, al. 1, CO'

A provision is always cited by the statute's own name, in the statute's own language: a German letter citing
French law writes "article L441-10 du Code de commerce", never a translation of it, and adds which country's law
it is in the letter's language, after a comma ("…, französisches Recht"; in Japanese and Chinese before it, as
"ドイツ法 § 288 Abs. 2 BGB" names the code first). When the letter's language is one of the statute's (a French
letter under Swiss law), the provision is cited in that language alone. Templates put the citation in a
parenthesis of its own ("legal basis: …"), so it reads grammatically in every language, without a parenthesis
inside a parenthesis.
"""

from __future__ import annotations

from arcollect.engine.law.model import Provision

#: "<country>'s law" in each template language: the descriptor added after a provision in a foreign language.
LAW_OF: dict[str, dict[str, str]] = {
    "en": {
        "AT": "Austrian law", "BE": "Belgian law", "BG": "Bulgarian law", "CH": "Swiss law", "CY": "Cypriot law",
        "CZ": "Czech law", "DE": "German law", "DK": "Danish law", "EE": "Estonian law", "ES": "Spanish law",
        "FI": "Finnish law", "FR": "French law", "GB": "UK law", "GR": "Greek law", "HR": "Croatian law",
        "HU": "Hungarian law", "IE": "Irish law", "IS": "Icelandic law", "IT": "Italian law",
        "LI": "Liechtenstein law", "LT": "Lithuanian law", "LU": "Luxembourg law", "LV": "Latvian law",
        "MT": "Maltese law", "NL": "Dutch law", "NO": "Norwegian law", "PL": "Polish law", "PT": "Portuguese law",
        "RO": "Romanian law", "SE": "Swedish law", "SI": "Slovenian law", "SK": "Slovak law",
    },
    "de": {
        "AT": "österreichisches Recht", "BE": "belgisches Recht", "BG": "bulgarisches Recht",
        "CH": "schweizerisches Recht", "CY": "zyprisches Recht", "CZ": "tschechisches Recht", "DE": "deutsches Recht",
        "DK": "dänisches Recht", "EE": "estnisches Recht", "ES": "spanisches Recht", "FI": "finnisches Recht",
        "FR": "französisches Recht", "GB": "britisches Recht", "GR": "griechisches Recht", "HR": "kroatisches Recht",
        "HU": "ungarisches Recht", "IE": "irisches Recht", "IS": "isländisches Recht", "IT": "italienisches Recht",
        "LI": "liechtensteinisches Recht", "LT": "litauisches Recht", "LU": "luxemburgisches Recht",
        "LV": "lettisches Recht", "MT": "maltesisches Recht", "NL": "niederländisches Recht",
        "NO": "norwegisches Recht", "PL": "polnisches Recht", "PT": "portugiesisches Recht", "RO": "rumänisches Recht",
        "SE": "schwedisches Recht", "SI": "slowenisches Recht", "SK": "slowakisches Recht",
    },
    "fr": {
        "AT": "droit autrichien", "BE": "droit belge", "BG": "droit bulgare", "CH": "droit suisse",
        "CY": "droit chypriote", "CZ": "droit tchèque", "DE": "droit allemand", "DK": "droit danois",
        "EE": "droit estonien", "ES": "droit espagnol", "FI": "droit finlandais", "FR": "droit français",
        "GB": "droit britannique", "GR": "droit grec", "HR": "droit croate", "HU": "droit hongrois",
        "IE": "droit irlandais", "IS": "droit islandais", "IT": "droit italien", "LI": "droit liechtensteinois",
        "LT": "droit lituanien", "LU": "droit luxembourgeois", "LV": "droit letton", "MT": "droit maltais",
        "NL": "droit néerlandais", "NO": "droit norvégien", "PL": "droit polonais", "PT": "droit portugais",
        "RO": "droit roumain", "SE": "droit suédois", "SI": "droit slovène", "SK": "droit slovaque",
    },
    "nl": {
        "AT": "Oostenrijks recht", "BE": "Belgisch recht", "BG": "Bulgaars recht", "CH": "Zwitsers recht",
        "CY": "Cypriotisch recht", "CZ": "Tsjechisch recht", "DE": "Duits recht", "DK": "Deens recht",
        "EE": "Ests recht", "ES": "Spaans recht", "FI": "Fins recht", "FR": "Frans recht", "GB": "Brits recht",
        "GR": "Grieks recht", "HR": "Kroatisch recht", "HU": "Hongaars recht", "IE": "Iers recht",
        "IS": "IJslands recht", "IT": "Italiaans recht", "LI": "Liechtensteins recht", "LT": "Litouws recht",
        "LU": "Luxemburgs recht", "LV": "Lets recht", "MT": "Maltees recht", "NL": "Nederlands recht",
        "NO": "Noors recht", "PL": "Pools recht", "PT": "Portugees recht", "RO": "Roemeens recht",
        "SE": "Zweeds recht", "SI": "Sloveens recht", "SK": "Slowaaks recht",
    },
    "es": {
        "AT": "Derecho austriaco", "BE": "Derecho belga", "BG": "Derecho búlgaro", "CH": "Derecho suizo",
        "CY": "Derecho chipriota", "CZ": "Derecho checo", "DE": "Derecho alemán", "DK": "Derecho danés",
        "EE": "Derecho estonio", "ES": "Derecho español", "FI": "Derecho finlandés", "FR": "Derecho francés",
        "GB": "Derecho británico", "GR": "Derecho griego", "HR": "Derecho croata", "HU": "Derecho húngaro",
        "IE": "Derecho irlandés", "IS": "Derecho islandés", "IT": "Derecho italiano",
        "LI": "Derecho de Liechtenstein", "LT": "Derecho lituano", "LU": "Derecho luxemburgués",
        "LV": "Derecho letón", "MT": "Derecho maltés", "NL": "Derecho neerlandés", "NO": "Derecho noruego",
        "PL": "Derecho polaco", "PT": "Derecho portugués", "RO": "Derecho rumano", "SE": "Derecho sueco",
        "SI": "Derecho esloveno", "SK": "Derecho eslovaco",
    },
    "it": {
        "AT": "diritto austriaco", "BE": "diritto belga", "BG": "diritto bulgaro", "CH": "diritto svizzero",
        "CY": "diritto cipriota", "CZ": "diritto ceco", "DE": "diritto tedesco", "DK": "diritto danese",
        "EE": "diritto estone", "ES": "diritto spagnolo", "FI": "diritto finlandese", "FR": "diritto francese",
        "GB": "diritto britannico", "GR": "diritto greco", "HR": "diritto croato", "HU": "diritto ungherese",
        "IE": "diritto irlandese", "IS": "diritto islandese", "IT": "diritto italiano",
        "LI": "diritto del Liechtenstein", "LT": "diritto lituano", "LU": "diritto lussemburghese",
        "LV": "diritto lettone", "MT": "diritto maltese", "NL": "diritto olandese", "NO": "diritto norvegese",
        "PL": "diritto polacco", "PT": "diritto portoghese", "RO": "diritto rumeno", "SE": "diritto svedese",
        "SI": "diritto sloveno", "SK": "diritto slovacco",
    },
    "pt": {
        "AT": "direito austríaco", "BE": "direito belga", "BG": "direito búlgaro", "CH": "direito suíço",
        "CY": "direito cipriota", "CZ": "direito checo", "DE": "direito alemão", "DK": "direito dinamarquês",
        "EE": "direito estónio", "ES": "direito espanhol", "FI": "direito finlandês", "FR": "direito francês",
        "GB": "direito britânico", "GR": "direito grego", "HR": "direito croata", "HU": "direito húngaro",
        "IE": "direito irlandês", "IS": "direito islandês", "IT": "direito italiano",
        "LI": "direito do Liechtenstein", "LT": "direito lituano", "LU": "direito luxemburguês",
        "LV": "direito letão", "MT": "direito maltês", "NL": "direito neerlandês", "NO": "direito norueguês",
        "PL": "direito polaco", "PT": "direito português", "RO": "direito romeno", "SE": "direito sueco",
        "SI": "direito esloveno", "SK": "direito eslovaco",
    },
    "ja": {
        "AT": "オーストリア法", "BE": "ベルギー法", "BG": "ブルガリア法", "CH": "スイス法", "CY": "キプロス法",
        "CZ": "チェコ法", "DE": "ドイツ法", "DK": "デンマーク法", "EE": "エストニア法", "ES": "スペイン法",
        "FI": "フィンランド法", "FR": "フランス法", "GB": "英国法", "GR": "ギリシャ法", "HR": "クロアチア法",
        "HU": "ハンガリー法", "IE": "アイルランド法", "IS": "アイスランド法", "IT": "イタリア法",
        "LI": "リヒテンシュタイン法", "LT": "リトアニア法", "LU": "ルクセンブルク法", "LV": "ラトビア法",
        "MT": "マルタ法", "NL": "オランダ法", "NO": "ノルウェー法", "PL": "ポーランド法", "PT": "ポルトガル法",
        "RO": "ルーマニア法", "SE": "スウェーデン法", "SI": "スロベニア法", "SK": "スロバキア法",
    },
    "zh": {
        "AT": "奥地利法律", "BE": "比利时法律", "BG": "保加利亚法律", "CH": "瑞士法律", "CY": "塞浦路斯法律",
        "CZ": "捷克法律", "DE": "德国法律", "DK": "丹麦法律", "EE": "爱沙尼亚法律", "ES": "西班牙法律",
        "FI": "芬兰法律", "FR": "法国法律", "GB": "英国法律", "GR": "希腊法律", "HR": "克罗地亚法律",
        "HU": "匈牙利法律", "IE": "爱尔兰法律", "IS": "冰岛法律", "IT": "意大利法律", "LI": "列支敦士登法律",
        "LT": "立陶宛法律", "LU": "卢森堡法律", "LV": "拉脱维亚法律", "MT": "马耳他法律", "NL": "荷兰法律",
        "NO": "挪威法律", "PL": "波兰法律", "PT": "葡萄牙法律", "RO": "罗马尼亚法律", "SE": "瑞典法律",
        "SI": "斯洛文尼亚法律", "SK": "斯洛伐克法律",
    },
}  # fmt: skip

_DESCRIPTOR_FIRST = {"ja", "zh"}


def cite(provision: Provision, law: str, language: str) -> str:
    """`provision` as a letter in `language` cites it (see the module docstring); English for an unknown language."""
    if language in provision.text:
        return provision.text[language]
    descriptor = LAW_OF.get(language, LAW_OF["en"]).get(law, law)
    if language in _DESCRIPTOR_FIRST:
        return f"{descriptor} {provision.native}"
    return f"{provision.native}, {descriptor}"
