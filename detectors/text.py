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
from collections.abc import Iterable, Sequence
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt

__all__ = [
    "STOPWORDS",
    "canonical_url",
    "exact_key",
    "extract_hashtags",
    "extract_links",
    "hamming64",
    "hashtag_key",
    "keywords",
    "make_label",
    "ngram_hashes",
    "normalize",
    "script_of",
    "simhash64",
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

_RAW_STOPWORDS: Final = {
    "en": """a about after all also am an and any are as at be because been before being but by can
        could did do does doing for from had has have he her here him his how i if in into is it its
        just me more most my no not now of on one only or other our out over said she so some such than
        that the their them then there these they this those through to too up us very was we were what
        when where which while who why will with would you your rt via amp""",
    "es": """a al algo como con de del el ella ellos en entre era es esa ese esta este esto fue ha hay la
        las le les lo los mas me mi muy ni no nos o para pero por que se si sin sobre son su sus también
        te tu un una uno y ya""",
    "fr": """a au aux avec ce ces cette dans de des du elle en est et il ils je la le les leur lui ma mais
        me même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta te
        tes toi ton tu un une vos votre vous y été être""",
    "id": """ada adalah akan aku anda atau bagi bahwa bisa dan dari dengan di dia ini itu jadi juga
        kami kamu karena ke kita lagi lebih mereka oleh pada saja sama saya sebagai sudah tak telah
        tidak untuk yang""",
    "ar": """في من على إلى عن مع هذا هذه ذلك التي الذي الذين هو هي هم أن إن كان كانت لا ما لم لن قد و أو
        ثم كل بعد قبل عند حتى بين أي أنه إنه لقد يا تم""",
    "fa": """و در به از که این آن را با است برای تا هم یک بود شد می ها های خود نیز اما یا اگر بر چه
        دیگر شده کرد کند باید هر""",
}
STOPWORDS: Final[frozenset[str]] = frozenset(
    word for words in _RAW_STOPWORDS.values() for word in normalize(words).split()
)
_CJK_RE: Final = _SCRIPT_RES["cjk"]


def _tokens(normalized: str, stopwords: frozenset[str]) -> set[str]:
    out: set[str] = set()
    for token in normalized.split():
        if _CJK_RE.search(token):
            # CJK has no spaces: character bigrams are the usual unit.
            out.update(token[i : i + 2] for i in range(max(1, len(token) - 1)))
        elif len(token) > 1 and not token.isdigit() and token not in stopwords:
            out.add(token)
    return out


def keywords(texts: Iterable[str], k: int = 8, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """The ``k`` tokens found in the most texts (document frequency), stopwords and numbers removed.

    Ties are broken alphabetically so the result is deterministic.
    """
    df: Counter[str] = Counter()
    for text in texts:
        df.update(_tokens(normalize(text), stopwords))
    ranked = sorted(df.items(), key=lambda item: (-item[1], item[0]))
    return [token for token, _ in ranked[:k]]


def _readable(text: str) -> str:
    text = _URL_RE.sub(" ", unicodedata.normalize("NFKC", text))
    text = _RT_PREFIX_RE.sub(" ", text)
    return " ".join(text.split())


def make_label(texts: Sequence[str], keywords: Sequence[str], max_chars: int = 80) -> str:
    """A short readable label: the text that covers most keywords (ties: the shorter, then the
    earlier), cleaned of URLs and cut at a word boundary; the keywords when no text is usable."""
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
    if len(best_text) <= max_chars:
        return best_text
    cut = best_text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"
