"""Company names as copy writes them: the name before a ticker, its defined terms, its variants.

``Contemporary Amperex Technology Co. Ltd. (CATL) (300750.SZ)`` names a company twice, ``Apple's
(AAPL.O)`` once with a possessive, ``小米集团-W(01810)`` with a share-class mark, and ``Tencent
Holdings Ltd`` is ``Tencent`` in the next story. What counts as a name word, a sentence opener,
a corporate suffix or a generic word is in the tables below; everything is a pure function.
"""

from __future__ import annotations

import re

ASCII_WORD = "0-9A-Za-z\u00c0-\u024f"
"""Characters that continue a Latin-script word (a name boundary is anything else)."""
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""CJK ideographs: Chinese names run over these without spaces."""

NOT_COMPANIES: frozenset[str] = frozenset((
    # Names a run of capitalised words (or a defined term) can produce that never name a
    # company on their own: generic nouns, government bodies and places (case-insensitive).
    "company", "the company", "group", "the group", "shares", "stock", "subsidiary", "holdings",
    "corporation", "bank", "exchange", "china", "hong kong", "us", "u.s.", "state council",
    "we", "our", "issuer", "the issuer", "the bank", "fund", "the fund", "partnership",
    "ministry of commerce", "ministry of industry and information technology",
    "ministry of science and technology", "ministry of finance", "csrc", "ndrc", "miit", "pboc",
    "national development and reform commission", "china securities regulatory commission",
    "people's bank of china", "national energy administration", "national data administration",
    "shanghai stock exchange", "shenzhen stock exchange", "beijing stock exchange",
    "hong kong stock exchange", "beijing", "shanghai", "shenzhen", "guangzhou", "hangzhou",
    "chengdu", "wuhan", "hefei", "suzhou", "nanjing", "xi'an", "chongqing", "tianjin",
    "changsha", "zhengzhou", "qingdao", "xiamen", "jiangsu", "zhejiang", "guangdong", "anhui",
    "shandong", "sichuan", "hubei", "hunan", "fujian", "henan", "hebei", "pudong",
    "公司", "本公司", "集团", "本集团", "子公司", "国务院", "商务部", "工信部", "工业和信息化部",
    "科技部", "财政部", "发改委", "国家发改委", "证监会", "中国证监会", "央行", "人民银行",
    "中国人民银行", "国资委", "国家能源局", "国家数据局", "上交所", "深交所", "北交所", "港交所",
    "中国", "香港", "北京", "上海", "深圳", "广州", "杭州", "成都", "武汉", "合肥", "苏州", "南京",
    "西安", "重庆", "天津", "长沙", "郑州", "青岛", "厦门", "江苏", "浙江", "广东", "安徽", "山东",
    "四川", "湖北", "湖南", "福建", "河南", "河北", "浦东",
))

LEADING_WORDS: frozenset[str] = frozenset((
    # Capitalised words that open a sentence before a name ("Meanwhile Goertek (...)").
    "a", "an", "the", "and", "but", "also", "meanwhile", "both", "while",
    "shares", "peer", "peers", "rival", "rivals", "among", "as", "at", "by", "for", "from", "in",
    "on", "with", "yesterday", "today", "this", "that", "its", "their", "according", "if",
    "when", "after", "before", "since", "then", "however", "besides", "moreover",
))
CONNECTORS: frozenset[str] = frozenset(("of", "&", "de", "the", "und"))
"""Lower-case words allowed inside a name ("Bank of China"), never at its ends; not "and",
which joins two names far more often than it sits inside one."""
ABBREVIATIONS: frozenset[str] = frozenset((
    # Name words that end in "." or ".," without ending the sentence.
    "co.", "co.,", "ltd.", "inc.", "corp.", "plc.", "s.a.", "n.v.", "ag.", "bhd.", "llc.",
))
CORPORATE_SUFFIXES: frozenset[str] = frozenset((
    # Words of a company's legal form (case-insensitive, without "," or "."): "Baidu, Inc."
    # keeps its comma, and "Tencent Holdings Ltd" is also "Tencent".
    "inc", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "plc", "ag", "se",
    "s.a", "n.v", "holdings", "holding", "group",
))
NEVER_LAST = frozenset(("co", "corp", "inc", "ltd", "llc", "plc", "ag", "se", "s.a", "n.v"))
"""Suffixes no one ends a short name with: "Sunny Optical Technology (Group) Co" is no variant
of "Sunny Optical Technology (Group) Co Ltd", "Sunny Optical Technology" is."""
GENERIC_WORDS: frozenset[str] = frozenset((
    # One word left of a name once its suffix is gone that is no name on its own
    # ("Global Holdings" does not make "Global" a company).
    "global", "international", "national", "new", "first", "great", "united", "general",
    "digital", "smart", "future", "capital", "energy", "power", "technology", "technologies",
    "tech", "auto", "motor", "motors", "electric", "electronics", "securities", "financial",
    "insurance", "industrial", "industries", "resources", "materials", "semiconductor",
    "robotics", "solar", "software", "cloud", "media", "health", "medical", "pharma",
    "pharmaceutical", "bio", "biotech", "green", "golden", "asia", "pacific", "asset", "trust",
))
CHINESE_SUFFIXES = ("集团股份有限公司", "股份有限公司", "集团有限公司", "有限责任公司", "有限公司",
                    "集团", "控股", "股份")
"""Legal forms of a Chinese name, longest first: ``比亚迪股份有限公司`` is also ``比亚迪``."""
MIN_CHINESE_VARIANT = 3
"""A Chinese name without its suffix must keep this many characters: ``腾讯控股`` gives no
``腾讯``, which is also the start of many other names; the registry can list it."""
SHARE_CLASS = re.compile(f"(?<=[{CJK}])(?:-[A-Z]{{1,3}}|[AHB]股)$")
"""What a short name carries after it: ``小米集团-W``, ``蔚来-SW``, ``寒武纪-U``, ``宁德时代H股``."""
CHINESE_LEADS = (
    # Words that stand before a Chinese name in a run of ideographs; the name starts after the
    # last of them ("公告称比亚迪（002594.SZ）" -> "比亚迪").
    "公告称", "公告", "宣布", "表示", "披露", "发布", "旗下", "子公司", "包括", "其中", "此外",
    "同时", "以及", "龙头", "消息", "今日", "昨日", "日前", "近日", "收到", "受让", "收购", "增持",
    "减持", "称", "据", "与", "及", "的", "了", "在", "对", "向", "将", "由", "是", "为", "如", "和",
    "拟", "年", "月", "日",
)
WEAK_LEADS = frozenset(("和", "拟", "的"))
"""Leads that also sit inside names (润和软件, 美的集团): a name after one has three characters."""
MAX_NAME_WORDS = 8
MAX_CHINESE_NAME = 16
_WINDOW = 100

_CJK_CHAR = re.compile(f"[{CJK}]")
_CHINESE_END = re.compile(f"[{CJK}][0-9A-Za-z]{{0,3}}$")
"""A Chinese name ends on an ideograph, or on a few letters or digits after one ("京东方A")."""
_CHINESE_RUN = re.compile(f"[{CJK}A-Za-z0-9*]+$")
_CHINESE_LEAD = re.compile("|".join(map(re.escape, CHINESE_LEADS)))
_NAME_WORD = re.compile(r"(?:[A-Z0-9\u00c0-\u00de]|[a-z](?=[A-Z]))[\w&.'’+-]*,?")  # iFlytek too
_LEGAL_PART = re.compile(r"\([A-Z][A-Za-z]+\),?")  # "(China)" in "HUTCHMED (China) Limited"
_HAS_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_DESCRIBING = re.compile(r"-(?:listed|based|owned|backed|controlled|funded|headquartered|"
                         r"registered|focused|made|led|invested|affiliated)$")
"""A word that describes the name after it ("Hong Kong-listed Xiaomi") and ends the run."""
_POSSESSIVE = re.compile(r"['’]s?$")
_MARKUP = "*_`[]\"“”‘’'"
_TOKEN = re.compile(r"\S+")
_QUOTED = re.compile(r"[\"“”「]([^\"“”「」\n]{1,60}?)[,，]?[\"“”」]")
_TERM = re.compile(r"[A-Z][\w&.'’+-]*(?: [A-Z][\w&.'’+-]*){0,3}|[" + CJK + r"]{2,12}")


def name_before(text: str, end: int) -> tuple[str, int]:
    """The company name that ends just before ``end`` and where it starts ("" if none)."""
    stop = end
    while stop > 0 and text[stop - 1] in " \t\u3000":
        stop -= 1
    share_class = SHARE_CLASS.search(text, max(0, stop - 4), stop)
    if share_class is not None:
        stop = share_class.start()
    if _CHINESE_END.search(text, max(0, stop - 4), stop):
        return _chinese_name(text, stop)
    return _english_name(text, stop)


def is_company_name(name: str) -> bool:
    """Whether a name (or defined term) can name a company on its own."""
    return len(name) >= 2 and name.casefold() not in NOT_COMPANIES and not all(
        word.strip(",.").casefold() in CORPORATE_SUFFIXES for word in name.split())


def defined_terms(content: str, *, quoted_only: bool = False) -> tuple[str, ...]:
    """The names a parenthesis defines: its quoted terms (``("Li Auto" or the "Company")``,
    ``（以下简称“宁德时代”）``), or, unless quoted_only, the abbreviation it holds (``(CATL)``)."""
    if quoted_only and not any(quote in content for quote in "\"“”「"):
        return ()
    terms = [term.strip() for term in _QUOTED.findall(content)]
    if not terms and not quoted_only and _TERM.fullmatch(content.strip()):
        terms = [content.strip()]
    return tuple(dict.fromkeys(term for term in terms if is_company_name(term)))


def name_variants(name: str) -> tuple[str, ...]:
    """Shorter names the same company goes by: without its corporate suffixes, one at a time
    ("Alibaba Group Holding Limited" -> "Alibaba Group Holding", "Alibaba Group", "Alibaba")."""
    variants = []
    if _CJK_CHAR.search(name):
        current = name
        while (suffix := next((s for s in CHINESE_SUFFIXES if current.endswith(s)), "")):
            current = current[:-len(suffix)]
            if len(current) < MIN_CHINESE_VARIANT:
                break
            variants.append(current)
        return tuple(variants)
    words = name.split()
    while len(words) > 1 and _is_suffix(words[-1]):
        words.pop()
        variant = " ".join(words).rstrip(",")
        if len(words) == 1 and variant.casefold() in GENERIC_WORDS:
            break
        last = words[-1].strip(",.").casefold()
        if is_company_name(variant) and last not in NEVER_LAST and not _LEGAL_PART.fullmatch(
                words[-1]):
            variants.append(variant)
    return tuple(variants)


def _is_suffix(word: str) -> bool:
    """A word of a legal form: "Ltd.", "Holdings", or a place or form in brackets ("(China)")."""
    return word.strip(",.").casefold() in CORPORATE_SUFFIXES or bool(_LEGAL_PART.fullmatch(word))


def _chinese_name(text: str, stop: int) -> tuple[str, int]:
    window_start = max(0, stop - 40)
    run = _CHINESE_RUN.search(text, window_start, stop)
    if run is None:
        return "", stop
    start = run.start()
    for lead in _CHINESE_LEAD.finditer(text, start, stop):
        rest = text[lead.end():stop]
        shortest = 3 if lead.group() in WEAK_LEADS else 2
        if len(rest) >= shortest and rest.casefold() not in NOT_COMPANIES:
            start = lead.end()
    while start < stop and not _CJK_CHAR.match(text[start]) and text[start] in "0123456789":
        start += 1
    start = max(start, stop - MAX_CHINESE_NAME)
    name = text[start:stop]
    if len(name) < 2 or name.casefold() in NOT_COMPANIES:
        return "", stop
    return name, start


def _english_name(text: str, stop: int) -> tuple[str, int]:
    window_start = max(0, stop - _WINDOW)
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text, window_start, stop)]
    if tokens and window_start and tokens[0][0] == window_start and not text[window_start - 1].isspace():
        del tokens[0]  # cut in half by the window
    words: list[tuple[int, int, str]] = []  # the name's words, last first
    for token_start, token_end in reversed(tokens):
        if words and "\n" in text[token_end:words[-1][0]]:
            break  # a name does not run across lines
        raw = text[token_start:token_end]
        if not words and _POSSESSIVE.search(raw.rstrip(_MARKUP)):  # "Apple's (AAPL.O)"
            raw = _POSSESSIVE.sub("", raw.rstrip(_MARKUP))
        word = raw.strip(_MARKUP) if not _POSSESSIVE.search(raw) else raw.lstrip(_MARKUP)
        start = token_start + raw.index(word) if word else token_start
        if not _is_name_word(word, words[-1][2] if words else "") or len(words) == MAX_NAME_WORDS:
            break
        words.append((start, start + len(word), word))
    while words and (words[-1][2] in CONNECTORS or words[-1][2].casefold() in LEADING_WORDS):
        words.pop()
    while words and words[0][2] in CONNECTORS:
        words.pop(0)
    if not words:
        return "", stop
    start, end = words[-1][0], words[0][1]
    name = text[start:end]
    if not is_company_name(name):
        return "", stop
    return name, start


def _is_name_word(word: str, after: str) -> bool:
    """Whether word belongs to the name that goes on with the word ``after`` ("" if none)."""
    if word in CONNECTORS:
        return True
    before_suffix = _is_suffix(after)
    if before_suffix and _LEGAL_PART.fullmatch(word):
        return True
    if word.endswith((".", ",")) and word.casefold() not in ABBREVIATIONS and not (
        len(word) == 2 and word[0].isupper()  # an initial, "J."
    ) and not (word.endswith(",") and before_suffix):  # "Baidu, Inc."
        return False
    return bool(
        _NAME_WORD.fullmatch(word) and _HAS_LETTER.search(word)
        and not _DESCRIBING.search(word) and not _POSSESSIVE.search(word)
        and not _looks_like_ticker(word)
    )


def _looks_like_ticker(word: str) -> bool:
    """A word such as "0700.HK" or "NVDA.O": the end of one mention, never part of a name."""
    code, dot, suffix = word.rstrip(",").rpartition(".")
    return bool(dot and code and suffix.isalpha() and len(suffix) <= 2
                and (code.isdigit() or code.isupper()))
