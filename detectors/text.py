"""Language-agnostic text processing that runs on every mention: normalisation, link and hashtag
extraction, URL canonicalisation, exact-duplicate keys, SimHash near-duplicate signatures, dominant
script, and keywords / labels for narratives.

Everything here is pure and deterministic across processes (no salted ``hash()``), so keys and
signatures can be stored in snapshots and compared between workers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt

__all__ = [
    "GENERIC_MAX_CONTENT_WORDS",
    "STOPWORDS",
    "SharedObject",
    "canonical_url",
    "content_words",
    "exact_key",
    "extract_hashtags",
    "extract_links",
    "hamming64",
    "hashtag_key",
    "is_generic",
    "keywords",
    "link_label",
    "make_label",
    "ngram_hashes",
    "normalize",
    "object_label",
    "script_of",
    "shorten",
    "simhash64",
    "stopwords_for",
    "url_domain",
]

# ---------------------------------------------------------------------------------------------------
# normalisation

_URL_RE: Final = re.compile(r"(?:https?://|www\.)[^\s<>\"'«»“”]+", re.IGNORECASE)
_HANDLE_RE: Final = re.compile(r"(?<![\w@])@[\w.]*\w")
_RT_PREFIX_RE: Final = re.compile(r"^(?:\s*rt\s*@[\w.]*\w\s*:?)+", re.IGNORECASE)
_HASHTAG_RE: Final = re.compile(
    # Arabic harakat and the Persian ZWNJ are not \w but belong inside a hashtag.
    r"(?<![\w#&])[#＃]([\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u200c]+)"
)
_TRAILING_URL_PUNCT: Final = ".,;:!?)]}'\"»”’…"

# Characters removed outright (joined to their neighbours) rather than turned into a space.
_DELETE: Final = frozenset(
    [
        *(0x0640, 0x0670, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD),
        *range(0x064B, 0x0660),  # harakat, tanwin, shadda, sukun, hamza above/below
        *range(0x0610, 0x061B),  # honorific signs
        *range(0x06D6, 0x06EE),  # Quranic annotation marks
        *range(0xFE00, 0xFE10),  # variation selectors (emoji presentation)
        *range(0xE0100, 0xE01F0),
        *(0x0027, 0x2019, 0x02BC, 0x2018),  # apostrophes: "don't" -> "dont", not "don t"
    ]
)
_REPLACE: Final = {
    # Alef variants and hamza seats unify with bare alef; alef maqsura with ya.
    0x0623: "\u0627",
    0x0625: "\u0627",
    0x0622: "\u0627",
    0x0671: "\u0627",
    0x0672: "\u0627",
    0x0673: "\u0627",
    0x0649: "\u064a",
    # Persian/Urdu ya and kaf written in the Arabic code points, so fa and ar texts compare equal.
    0x06CC: "\u064a",
    0x06CD: "\u064a",
    0x06D2: "\u064a",
    0x06A9: "\u0643",
    # Ta marbuta is written as ha in informal text.
    0x0629: "\u0647",
    0x06C0: "\u0647",
    0x06D5: "\u0647",
    # Arabic-Indic and extended (Persian) digits to ASCII.
    **{0x0660 + i: str(i) for i in range(10)},
    **{0x06F0 + i: str(i) for i in range(10)},
}


class _CharMap(dict[int, str | None]):
    """``str.translate`` table computed lazily per code point and cached.

    Letters, digits and non-Arabic combining marks stay; punctuation, symbols (emoji), controls and
    separators become a space so that words never fuse.
    """

    def __missing__(self, cp: int) -> str | None:
        value: str | None
        if cp in _DELETE:
            value = None
        elif cp in _REPLACE:
            value = _REPLACE[cp]
        else:
            cat = unicodedata.category(chr(cp))
            keep = cat[0] in "LN" or cat in ("Mn", "Mc")
            value = chr(cp) if keep else " "
        self[cp] = value
        return value


_CHARMAP: Final = _CharMap()


def normalize(text: str) -> str:
    """Canonical form of a post's text for duplicate keys, signatures, caching and keywords.

    NFKC, case folding, no URLs, @handles or leading ``RT @x:`` prefixes, hashtags kept as plain
    words, Arabic/Persian letter variants and diacritics unified, punctuation/emoji removed,
    whitespace collapsed. Idempotent.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _RT_PREFIX_RE.sub(" ", text)
    if "/" in text or "www" in text.lower():
        text = _URL_RE.sub(" ", text)
    if "@" in text:
        text = _HANDLE_RE.sub(" ", text)
    text = text.casefold()
    if not text.isascii():
        # Case folding can produce sequences that NFKC rewrites again (e.g. U+0345).
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.translate(_CHARMAP).split())


def extract_links(text: str) -> list[str]:
    """URLs in ``text`` as written (minus trailing punctuation), in order; not canonicalised."""
    out = []
    for match in _URL_RE.finditer(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING_URL_PUNCT:
            # A closing parenthesis belongs to the URL when the URL opened one (Wikipedia links).
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if len(url) > 4:
            out.append(url)
    return out


def extract_hashtags(text: str) -> list[str]:
    """Hashtags in ``text`` without ``#`` as written, in order; any script; pure numbers excluded."""
    if "#" not in text and "＃" not in text:
        return []  # most posts have none, and the pattern's look-behind is slow to scan
    return [tag for tag in _HASHTAG_RE.findall(text) if not tag.isdigit()]


def hashtag_key(tag: str) -> str:
    """Grouping key for a hashtag: ``#StopTheSteal``, ``stopthesteal`` and ``#Stop_The_Steal`` agree."""
    return normalize(tag.lstrip("#＃")).replace(" ", "")


# ---------------------------------------------------------------------------------------------------
# URLs

_TRACKING_PARAMS: Final = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "s",
        "si",
        "t",
        "feature",
        "_ga",
        "_gl",
        "mkt_tok",
        "spm",
        "share",
        "smid",
        "cmpid",
        "rcm",
        "mibextid",
        "__cft__[0]",
        "__tn__",
    }
)
_TRACKING_PREFIXES: Final = ("utm_", "pk_", "hsa_", "oly_")
_HOST_PREFIXES: Final = ("www.", "m.", "mobile.")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def _is_tracking(key: str) -> bool:
    low = key.lower()
    return low in _TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """One spelling per shared resource, so co-shared links compare equal; idempotent, no network.

    https for http, lowercase host without ``www.``/``m.``/``mobile.``, no default port, user info,
    fragment, tracking parameters (utm_*, fbclid, gclid, igshid, ref, s, si, feature, ...) or trailing
    slash; remaining query parameters sorted; youtu.be short links expanded. Unparseable input comes
    back stripped.
    """
    raw = url.strip()
    if not raw:
        return ""
    if "://" not in raw:
        raw = "https://" + raw.lstrip("/")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return url.strip()
    stripped = True
    while stripped:  # "www.m.example.com" needs two passes to stay idempotent
        stripped = False
        for prefix in _HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") >= 2:
                host, stripped = host[len(prefix) :], True
    if ":" in host:  # IPv6 literal: hostname drops the brackets
        host = f"[{host}]"
    path = parts.path
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    if host == "youtu.be" and len(path) > 1:
        query = sorted([*query, ("v", path.lstrip("/"))])
        host, path = "youtube.com", "/watch"
    if port is not None and port not in (_DEFAULT_PORTS.get(scheme), 80, 443):
        host = f"{host}:{port}"
    path = path.rstrip("/")
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def url_domain(url: str) -> str:
    """Host of the canonical URL (``www.`` removed, port dropped); ``""`` when there is none."""
    try:
        host = urlsplit(canonical_url(url)).hostname
    except ValueError:
        return ""
    return host or ""


# ---------------------------------------------------------------------------------------------------
# duplicate keys and signatures


def exact_key(normalized: str) -> str:
    """Exact-duplicate key of a normalised text: 16 hex chars of BLAKE2b."""
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).hexdigest()


# 3-grams: one edited character changes 3 shingles instead of 4, which keeps near copies of short
# posts within a few bits (2 edits in 200 chars: median 3 bits, 99th percentile 9; unrelated: median 23).
_SHINGLE: Final = 3
# Odd 64-bit multipliers (from splitmix64/xxhash) combine code points position-dependently.
_MULTIPLIERS: Final = np.array(
    [0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9],
    dtype=np.uint64,
)
_SHIFT_30: Final = np.uint64(30)
_SHIFT_27: Final = np.uint64(27)
_SHIFT_31: Final = np.uint64(31)
_MIX_1: Final = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2: Final = np.uint64(0x94D049BB133111EB)


def ngram_hashes(text: str, n: int, seed: int = 0) -> npt.NDArray[np.uint64]:
    """Deterministic 64-bit hashes (uint64 array) of every character ``n``-gram of ``text``.

    Vectorised (code points combined with odd multipliers, then the splitmix64 finaliser), so the
    per-shingle cost is a few numpy operations over the whole text rather than Python work. A text
    shorter than ``n`` is zero-padded into one gram; ``""`` gives an empty array.
    """
    if not text:
        return np.zeros(0, dtype=np.uint64)
    if not 1 <= n <= _MULTIPLIERS.shape[0]:
        raise ValueError(f"n must be between 1 and {_MULTIPLIERS.shape[0]}, got {n}")
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    count = codes.shape[0] - n + 1
    if count < 1:
        codes = np.concatenate([codes, np.zeros(n - codes.shape[0], dtype=np.uint64)])
        count = 1
    h: npt.NDArray[np.uint64] = codes[:count] * _MULTIPLIERS[0]
    for i in range(1, n):
        h ^= codes[i : i + count] * _MULTIPLIERS[i]
    if seed:
        h ^= np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    # splitmix64 finaliser: spreads every input bit over all 64 output bits.
    h ^= h >> _SHIFT_30
    h *= _MIX_1
    h ^= h >> _SHIFT_27
    h *= _MIX_2
    h ^= h >> _SHIFT_31
    return h


def simhash64(normalized: str) -> int:
    """64-bit SimHash over character 3-grams of the text with whitespace removed.

    Near copies (a few edited characters, changed spacing) land within a few bits; unrelated texts
    differ in ~20-32 bits. Texts shorter than 3 characters hash as one shingle; ``""`` gives 0.
    """
    h = ngram_hashes("".join(normalized.split()), _SHINGLE)
    n = h.shape[0]
    if n == 0:
        return 0
    bits = np.unpackbits(h.astype("<u8").view(np.uint8), bitorder="little").reshape(n, 64)
    ones = bits.sum(axis=0, dtype=np.int32)
    signature = np.packbits(ones * 2 > n, bitorder="little")
    return int.from_bytes(signature.tobytes(), "little")


def hamming64(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit signatures."""
    return (a ^ b).bit_count()


# ---------------------------------------------------------------------------------------------------
# scripts

_SCRIPT_RES: Final = {
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]"),
    "arabic": re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"),
    "cyrillic": re.compile(r"[\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]"),
    "cjk": re.compile(
        r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]"
    ),
}


def script_of(text: str) -> str:
    """Dominant writing system of the letters in ``text``: latin, arabic, cyrillic, cjk, other or none."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # fullwidth Latin counts as Latin
    counts = {name: len(rx.findall(text)) for name, rx in _SCRIPT_RES.items()}
    letters = sum(map(str.isalpha, text))
    counts["other"] = letters - sum(counts.values())
    best = max(counts, key=lambda name: counts[name])  # dict order breaks ties deterministically
    return best if counts[best] > 0 else "none"


# ---------------------------------------------------------------------------------------------------
# keywords and labels

# Function words per language (the usual NLTK / stopwords-iso lists, trimmed to the frequent ones),
# plus English contractions as normalize() writes them ("don't" -> "dont"). One merged list would be
# wrong both ways: German "war", "man", "hat", "die" are content words in English, and a text's own
# language's particles ("sont", "avant", "là") leaked into keywords with the old six-language list.
_RAW_STOPWORDS: Final = {
    "en": """a about above after again against all also am an and any are arent as at be because been
        before being below between both but by can cant could couldnt did didnt do does doesnt doing
        dont down during each few for from further had hadnt has hasnt have havent having he hes her
        here heres hers herself him himself his how i im ive if in into is isnt it its itself just lets
        may me might more most must my myself no nor not now of off on once only or other ought our ours
        ourselves out over own same shall she should shouldnt so some such than that thats the their
        theirs them themselves then there theres these they theyll theyre theyve this those through to
        too under until up us very was wasnt we were werent weve what whats when where which while who
        whom whos why will with wont would wouldnt you youll youre youve your yours yourself
        yourselves rt via amp oh""",
    "es": """a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante
        e el ella ellas ellos en entre era eran es esa esas ese eso esos esta estaba estado estan están
        estar este esto estos está fue fueron ha han has hasta hay la las le les lo los mas más me mi
        menos mis mucho muy nada ni no nos nosotros o os otra otro para pero poco por porque que qué quien se
        ser si sí sin sobre son su sus también tan te tiene tienen todo todos tu tú tus un una uno unos
        y ya yo él""",
    "fr": """a à ai ainsi alors au aucun aussi autre aux avec avait avant avoir c ça car ce ceci cela
        celle celui ces cest cet cette chez comme comment d dans de des donc dont du elle elles en
        encore est et été être eu eux fait faire il ils j je jusqu l la là le les leur leurs lui m ma
        mais me même mes moi moins mon n ne nest ni nos notre nous on ont ou où par parce pas peu peut
        plus pour pourquoi qu quand que quel quelle qui s sa sans se sera ses si son sont sous sur t ta
        te tes toi ton tous tout toute toutes très tu un une vers voici voilà vos votre vous y""",
    "de": """aber alle allem allen aller alles als also am an andere anderen auch auf aus bei bin bis
        bist da damit dann das dass daß dein deine dem den denn der des dich die dies diese diesem
        diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines er es euch euer
        für gegen gibt hab habe haben hat hatte hier ich ihm ihn ihnen ihr ihre im in ist ja jede jedem
        jeden jeder jedes jetzt kann kein keine können man mehr mein meine mich mir mit muss nach nicht
        nichts noch nun nur ob oder ohne sehr sein seine sich sie sind so soll sollen über um und uns
        unser unter viel vom von vor war waren warum was weil welche wenn wer werden wie wieder will
        wir wird wo zu zum zur""",
    "pt": """a à ao aos as às até com como da das de dela dele deles do dos e é ela elas ele eles em
        entre era essa esse esta está estão este eu foi for foram há isso isto já lhe mais mas me mesmo
        meu minha muito na não nas nem no nos nós o os ou para pela pelo por porque quando que quem se
        sem ser seu seus sua suas são também te tem tu um uma você vocês""",
    "id": """ada adalah agar akan aku anda antara apa atau bagi bahwa banyak belum bisa dalam dan dari
        deh dengan di dia dong harus hanya ini itu jadi jika juga kami kamu karena ke kita kok lagi lah
        lebih mereka nya oleh pada para saat saja sama sampai sangat saya sebagai sedang sejak
        sekarang semua setelah sih sudah tak telah tentang tetapi tidak untuk yang""",
    "tr": """acaba ama ancak artık aslında az bana bazı belki ben beni benim bir biri birkaç biz bize
        bizi bizim bu buna bunu bunun çok çünkü da daha de diye en gibi hem hep hepsi her hiç için ile
        ise kadar ki kim mı mi mu mü nasıl ne neden nerede niçin o ona onlar onu onun sen seni siz şey
        şu ve veya ya yani""",
    "ru": """а без более бы был была были было быть в вам вас весь во вот все всё всего всех вы где да
        даже для до его ее её если есть еще ещё же за здесь и из или им их к как ко когда кто ли либо
        меня мне много может мы на над нам нас не него нее неё нет ни них но ну о об однако он она они
        оно от очень по под после при про с со так также такой там те тем то того тоже той только том
        ты у уже хотя чего чем что чтобы эта эти это этого этой этом этот я""",
    "ar": """في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين هو هي هم هن نحن أنا انا أنت انت أن
        إن ان كان كانت يكون لا ما لم لن قد و أو او ثم كل بعد قبل عند حتى بين أي اي أنه انه إنه لقد يا
        تم ف ب ل ك منذ عليه عليها فيه فيها به بها له لها لهم هل كما لكن بل أيضا ايضا غير سوف كيف متى
        أين اين هناك هنا""",
    "fa": """و در به از که این آن را با است برای تا هم یک بود شد می ها های خود نیز اما یا اگر بر چه
        دیگر شده کرد کند باید هر ما من تو او شما آنها هست نیست بی پس چون چرا کجا وقتی همه هیچ نه آیا
        بسیار خیلی ولی پیش روی زیر بین مثل همین همان دارد دارند کرده کنند شود شوند باشد بوده""",
}
#: Stop words per language (ISO 639-1 code), normalised like the texts they are matched against.
STOPWORDS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {lang: frozenset(normalize(words).split()) for lang, words in _RAW_STOPWORDS.items()}
)
_CJK_RE: Final = _SCRIPT_RES["cjk"]
# French elision ("l'élection", "qu'il"): normalize() deletes the apostrophe, which would fuse the
# article into the word ("lélection"); for keywords the two are split instead.
_ELISION_RE: Final = re.compile(r"\b(c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu)['’](?=\w)", re.IGNORECASE)


def stopword_hits(tokens: Iterable[str]) -> dict[str, int]:
    """How many of ``tokens`` each language's stop list covers (the classic stop-word language guess)."""
    token_set = set(tokens)
    return {lang: len(token_set & words) for lang, words in STOPWORDS.items()}


def stopwords_for(tokens: Sequence[str]) -> frozenset[str]:
    """The stop words of the language whose stop list covers most of ``tokens`` (a tie takes every
    tied list, no hit takes none)."""
    hits = stopword_hits(tokens)
    best = max(hits.values(), default=0)
    if best == 0:
        return frozenset()
    return frozenset().union(*(STOPWORDS[lang] for lang, n in hits.items() if n == best))


def content_words(text: str, *, hashtags: bool = False) -> set[str]:
    """Words that carry meaning: the text without URLs, @handles, an RT prefix or (unless
    ``hashtags``) hashtags, split at French elisions, less its language's stop words, numbers and
    one-letter tokens; CJK runs as character bigrams (CJK has no spaces)."""
    bare = _HASHTAG_RE.sub(r" \1 " if hashtags else " ", _ELISION_RE.sub(r"\1 ", text))
    tokens = normalize(bare).split()
    stop = stopwords_for(tokens)
    out: set[str] = set()
    for token in tokens:
        if _CJK_RE.search(token):
            out.update(token[i : i + 2] for i in range(max(1, len(token) - 1)))
        elif len(token) > 1 and not token.isdigit() and token not in stop:
            out.add(token)
    return out


def keywords(texts: Iterable[str], k: int = 8) -> list[str]:
    """The ``k`` words found in the most texts (document frequency), each text's own language's stop
    words and numbers removed; hashtags count as words (they are often the topic). Ties are broken
    alphabetically so the result is deterministic."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(content_words(text, hashtags=True))
    ranked = sorted(df.items(), key=lambda item: (-item[1], item[0]))
    return [token for token, _ in ranked[:k]]


# A retweet marker in front of the text, with or without the handle: "RT @user: ...", "RT: ...", "RT ...".
_RT_LABEL_RE: Final = re.compile(r"^(?:\s*rt\b\s*:?\s*(?:@[\w.]*\w\s*:?)?)+", re.IGNORECASE)

# A text with at most this many content words is a stock phrase ("Must read", "They don't want you to
# see this", "Never again.", "Wajib baca"): it says nothing about what is being pushed. Texts with a
# message of their own have more ("Kordan sabotea nuestra electricidad": 4; the shortest campaign
# text in the simulator: 4). The rule is the median over the narrative's representative texts.
GENERIC_MAX_CONTENT_WORDS: Final = 2
# A shared object labels the narrative only when it is in at least this share of its posts: then it,
# not the wording, is what the posts have in common.
_OBJECT_MIN_SHARE: Final = 0.5
# Path words that name a site's structure or file type, not its story: a segment made only of these
# ("/status/123", "/watch") is skipped, and file types never show ("...-plot.html").
_STRUCTURAL_PATH_WORDS: Final = frozenset(
    [
        "article",
        "articles",
        "artikel",
        "item",
        "items",
        "news",
        "p",
        "post",
        "posts",
        "status",
        "statuses",
        "story",
        "stories",
        "watch",
        "video",
        "videos",
        "en",
        "es",
        "fr",
        "de",
        "id",
        "ar",
        "ru",
        "tr",
        "pt",
        "fa",
    ]
)
_FILE_PATH_WORDS: Final = frozenset(["amp", "asp", "aspx", "htm", "html", "index", "php", "shtml"])
_PATH_WORD_RE: Final = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class SharedObject:
    """A link or hashtag that posts of a narrative share, with its post and account counts."""

    kind: Literal["link", "hashtag"]
    value: str  # canonical URL, or a hashtag without '#'
    posts: int
    accounts: int


def _readable(text: str) -> str:
    text = _URL_RE.sub(" ", unicodedata.normalize("NFKC", text))
    text = _RT_LABEL_RE.sub(" ", text)
    return " ".join(text.split())


def shorten(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` at a word boundary when one is past half-way, with an ellipsis."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-›") + "…"


def is_generic(texts: Sequence[str]) -> bool:
    """Whether the typical text is a stock phrase (median content words <= GENERIC_MAX_CONTENT_WORDS)."""
    counts = sorted(len(content_words(text)) for text in texts)
    return bool(counts) and counts[(len(counts) - 1) // 2] <= GENERIC_MAX_CONTENT_WORDS


def link_label(url: str) -> str:
    """``host › slug words`` of a link: the last path segment that has words beyond the site's
    structure (``/2026/03/leaked-memo-proves-election-plot`` -> ``leaked memo proves election plot``);
    the host alone when there is none."""
    host = url_domain(url)
    try:
        path = urlsplit(canonical_url(url)).path
    except ValueError:
        path = ""
    for segment in reversed([seg for seg in path.split("/") if seg]):
        words = [w for w in _PATH_WORD_RE.findall(segment.lower()) if w not in _FILE_PATH_WORDS]
        if any(w not in _STRUCTURAL_PATH_WORDS for w in words):
            return f"{host} › {' '.join(words[:8])}"
    return host


def _hashtag_label(tags: Sequence[SharedObject], texts: Sequence[str]) -> str:
    """The tags as first written in the texts (``#StopTheKordanDeal``, not the folded key), most
    accounts first, then in the order the texts use them."""
    spelled: dict[str, str] = {}
    for text in texts:
        for tag in extract_hashtags(text):
            spelled.setdefault(hashtag_key(tag), tag)
    order = {key: i for i, key in enumerate(spelled)}
    keys = sorted(tags, key=lambda t: (-t.accounts, order.get(hashtag_key(t.value), len(order)), t.value))
    return " ".join("#" + spelled.get(hashtag_key(t.value), t.value) for t in keys)


def object_label(shared: Sequence[SharedObject], posts: int, texts: Sequence[str] = ()) -> str | None:
    """A label from the strongest object shared by 2+ accounts and found in at least half of
    ``posts``: a link (``host › path words``; a site whose several links together reach half shows
    the path words of its two most shared), or the hashtags (up to 3) that reach half. Most accounts
    wins; a link wins a tie (it is more specific than a tag)."""
    need = _OBJECT_MIN_SHARE * posts
    if posts <= 0:
        return None
    candidates: list[tuple[int, int, str]] = []  # (accounts, 0 link / 1 hashtag, label)
    by_host: dict[str, list[SharedObject]] = {}
    for link in (o for o in shared if o.kind == "link" and o.accounts >= 2):
        by_host.setdefault(url_domain(link.value), []).append(link)
    for host, links in by_host.items():
        links.sort(key=lambda o: (-o.accounts, -o.posts, o.value))
        if links[0].posts >= need:
            candidates.append((links[0].accounts, 0, link_label(links[0].value)))
        elif sum(o.posts for o in links) >= need:
            slugs = [p for p in (link_label(o.value).partition(" › ")[2] for o in links[:2]) if p]
            candidates.append((links[0].accounts, 0, f"{host} › {' · '.join(slugs)}" if slugs else host))
    tags = [o for o in shared if o.kind == "hashtag" and o.accounts >= 2 and o.posts >= need]
    if tags:
        tags.sort(key=lambda o: (-o.accounts, o.value))
        candidates.append((tags[0].accounts, 1, _hashtag_label(tags[:3], texts)))
    if not candidates:
        return None
    return min(candidates, key=lambda c: (-c[0], c[1], c[2]))[2]


def make_label(
    texts: Sequence[str],
    keywords: Sequence[str],
    *,
    shared: Sequence[SharedObject] = (),
    posts: int = 0,
    max_chars: int = 80,
) -> str:
    """A short readable label for a narrative.

    When its texts are stock phrases (:func:`is_generic`) and a shared link or hashtag is in at least
    half of its ``posts``, the label comes from that object (:func:`object_label`). Otherwise it is
    the text that covers most keywords (ties: the shorter, then the earlier), without URLs or an RT
    prefix, cut at a word boundary; the keywords when no text is usable.
    """
    if shared and is_generic(texts):
        from_object = object_label(shared, posts, texts)
        if from_object:
            return shorten(from_object, max_chars)
    wanted = set(keywords)
    best: tuple[int, int, int] | None = None
    best_text = ""
    for i, text in enumerate(texts):
        readable = _readable(text)
        if not readable:
            continue
        rank = (-len(wanted & set(normalize(readable).split())), len(readable), i)
        if best is None or rank < best:
            best, best_text = rank, readable
    if not best_text:
        return " · ".join(keywords[:5])
    return shorten(best_text, max_chars)
