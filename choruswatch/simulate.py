"""`choruswatch simulate`: a labelled, deterministic scenario stream for evaluating the detector.

The scenario mixes what an analyst actually sees in a day of monitoring:

* organic chatter on 22 everyday topics in six languages (English, Spanish, French, Indonesian,
  Arabic, Farsi) from thousands of independent, mostly old accounts, with a daily rhythm, personal
  framing, typos, emoji, varied hashtags and links, organic reposts spread over hours, and replies;
* organic viral events (an earthquake, a football final, a product launch): hundreds of accounts
  reacting to one event in their own words with a sharp but organic onset — the hard negatives;
* an allowlisted official campaign (a ministry and its embassies running a hashtag day);
* eleven inauthentic campaigns of six kinds: copy-paste bursts, paraphrased talking points,
  link-sharing rings, hashtag pushes, two slow drips over hours and one campaign in two languages;
* three campaigns that span several narratives (:mod:`choruswatch.simulate_campaigns`): reworded
  claims in synchronised waves, slow reworded claims over an hour and a half, and one set of
  accounts switching between unrelated messages; plus a news outlet's headline reposted and
  discussed by established accounts, a hard negative labelled organic.

Everything is driven by one `random.Random(seed)`, so a seed always gives the same bytes. Names of
countries and organisations are fictional (Veridia, Kordan) so the scenario never repeats real
disinformation. The labels file carries, per mention, the gold `label` (campaign id, `organic` or
`official:<id>`), the gold narrative `topic` used for BCubed, the `kind`, and `created_at` (so the
evaluator can measure detection delay without re-reading the mentions).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from choruswatch.simulate_campaigns import (
    OUTLET_EVENTS,
    SLOW_CLAIMS,
    SWITCHES,
    WAVES,
    OutletEventSpec,
    SlowClaimsSpec,
    SwitchSpec,
    WaveSpec,
    spin,
)

DEFAULT_MENTIONS = 50_000
DEFAULT_HOURS = 24.0
DEFAULT_START = "2026-03-01T00:00:00Z"
# Below this the fixed-size campaigns would swamp the organic background the detector must ignore.
MIN_MENTIONS = 1_500

LANG_WEIGHTS: dict[str, float] = {"en": 0.42, "es": 0.16, "ar": 0.13, "fr": 0.10, "id": 0.11, "fa": 0.08}
# Rough UTC offsets of each language's audience, so the daily rhythm peaks at different UTC hours.
LANG_TZ: dict[str, Sequence[int]] = {
    "en": (-5, 0, 1, 8),
    "es": (-5, -3, 1),
    "ar": (2, 3, 4),
    "fr": (1, 0),
    "id": (7, 8),
    "fa": (3,),
}
PLATFORMS: tuple[tuple[str, float], ...] = (
    ("x", 0.45),
    ("facebook", 0.2),
    ("telegram", 0.15),
    ("bluesky", 0.08),
    ("mastodon", 0.05),
    ("web", 0.07),
)
PLATFORM_HOSTS = {
    "x": "x.com",
    "facebook": "facebook.com",
    "telegram": "t.me",
    "bluesky": "bsky.app",
    "mastodon": "mastodon.social",
    "web": "forum.example.org",
}

# Language-neutral patterns: each slot is a whole clause in the post's language.
# f = personal frame, s = subject, c = comment, x = personal context, e = closing, j = "and".
PATTERNS: tuple[str, ...] = (
    "{f} {s} {c}. {e}",
    "{s} {c}. {e}",
    "{x}: {s} {c}.",
    "{f} {s} {c} {j} {s2} {c2}.",
    "{s} {c}… {x}. {e}",
    "{x}. {f} {s} {c}",
    "{s2} {c2}? {f} {s} {c}.",
    "{s} {c}",
)

LANGS: dict[str, dict[str, Sequence[str]]] = {
    "en": {
        "f": (
            "Honestly,",
            "I think",
            "My two cents:",
            "Not gonna lie,",
            "Unpopular opinion:",
            "So apparently",
            "Can we talk about how",
            "Is it just me or",
            "Funny how",
            "Real talk,",
            "ok so",
            "Kinda feel like",
        ),
        "c": (
            "is getting out of hand",
            "keeps getting better",
            "is all anyone talks about lately",
            "needs a serious rethink",
            "surprised me this week",
            "is honestly underrated",
            "is way too expensive now",
            "deserves more attention",
            "made my whole day",
            "feels different this year",
            "is driving me crazy",
            "could use some fresh ideas",
            "is not what it used to be",
            "was better than I expected",
        ),
        "x": (
            "On the bus this morning",
            "Talked to my neighbour about it",
            "At work today",
            "My sister keeps telling me",
            "After dinner with friends",
            "Scrolling before bed",
            "Watching the news with my dad",
            "Waiting in line at the bank",
        ),
        "e": ("What do you think?", "Thoughts?", "smh", "Anyone else?", "Just saying.", "lol", "", ""),
        "r": (
            "Totally agree with this",
            "Source?",
            "Not sure that's right tbh",
            "Same here honestly",
            "This is so true",
            "Hard disagree",
            "Wait, really?",
            "Thanks for sharing",
            "Couldn't have said it better",
            "Where did you read that?",
        ),
        "j": ("and",),
    },
    "es": {
        "f": (
            "Sinceramente,",
            "Creo que",
            "La verdad,",
            "Para mí",
            "No sé ustedes, pero",
            "Ojo:",
            "Qué raro que",
        ),
        "c": (
            "se está saliendo de control",
            "mejora cada día",
            "es de lo único que se habla",
            "necesita un cambio serio",
            "me sorprendió esta semana",
            "está carísimo ahora",
            "merece más atención",
            "ya no es lo que era",
            "me alegró el día",
        ),
        "x": (
            "En el metro esta mañana",
            "Hablando con mi vecina",
            "En el trabajo hoy",
            "Cenando con amigos",
            "Mi mamá dice",
        ),
        "e": ("¿Qué opinan?", "¿Ustedes qué piensan?", "jajaja", "Nada más digo.", "", ""),
        "r": (
            "Totalmente de acuerdo",
            "¿Fuente?",
            "No creo que sea así",
            "Igual yo",
            "Gracias por compartir",
            "¿En serio?",
        ),
        "j": ("y",),
    },
    "fr": {
        "f": ("Franchement,", "Je trouve que", "Perso,", "Honnêtement", "C'est moi ou", "Bon,"),
        "c": (
            "devient n'importe quoi",
            "s'améliore enfin",
            "est le sujet de la semaine",
            "mérite plus d'attention",
            "coûte beaucoup trop cher",
            "m'a surpris cette semaine",
            "n'est plus ce que c'était",
            "m'a fait plaisir aujourd'hui",
        ),
        "x": (
            "Dans le métro ce matin",
            "En discutant avec ma voisine",
            "Au boulot aujourd'hui",
            "Au dîner hier soir",
        ),
        "e": ("Vous en pensez quoi ?", "Des avis ?", "bref.", "mdr", "", ""),
        "r": (
            "Tout à fait d'accord",
            "Une source ?",
            "Pas sûr que ce soit vrai",
            "Pareil pour moi",
            "Merci du partage",
        ),
        "j": ("et",),
    },
    "id": {
        "f": ("Jujur,", "Menurut aku", "Kok rasanya", "Sebenarnya", "Gak bohong,", "Btw"),
        "c": (
            "makin parah aja",
            "makin bagus sekarang",
            "lagi rame dibahas",
            "perlu dipikir ulang",
            "bikin kaget minggu ini",
            "mahal banget sekarang",
            "kurang diperhatikan",
            "bikin hari aku senang",
        ),
        "x": ("Tadi pagi di KRL", "Ngobrol sama tetangga", "Di kantor tadi", "Pas makan malam sama teman"),
        "e": ("Gimana menurut kalian?", "wkwk", "Ada yang sama?", "", ""),
        "r": (
            "Setuju banget",
            "Sumbernya mana?",
            "Kayaknya gak gitu deh",
            "Sama aku juga",
            "Makasih infonya",
        ),
        "j": ("dan",),
    },
    "ar": {
        "f": ("بصراحة", "أعتقد أن", "رأيي الشخصي أن", "غريب كيف أن", "والله"),
        "c": (
            "صار خارج السيطرة",
            "يتحسن كل يوم",
            "حديث الجميع هذه الأيام",
            "يحتاج إلى إعادة نظر",
            "فاجأني هذا الأسبوع",
            "أصبح غاليا جدا",
            "يستحق اهتماما أكبر",
            "لم يعد كما كان",
        ),
        "x": ("في الباص صباح اليوم", "تكلمت مع جاري عن الموضوع", "في العمل اليوم", "على العشاء مع الأصدقاء"),
        "e": ("ما رأيكم؟", "شو رأيكم؟", "هههه", "", ""),
        "r": ("أتفق تماما", "ما المصدر؟", "لا أظن ذلك", "نفس الشيء عندي", "شكرا على المشاركة"),
        "j": ("و",),
    },
    "fa": {
        "f": ("راستش", "به نظرم", "عجیبه که", "واقعا", "نظر شخصی من اینه که"),
        "c": (
            "از کنترل خارج شده",
            "هر روز بهتر میشه",
            "این روزها موضوع همه است",
            "نیاز به بازنگری داره",
            "این هفته غافلگیرم کرد",
            "خیلی گران شده",
            "توجه بیشتری لازم داره",
        ),
        "x": ("امروز صبح توی اتوبوس", "با همسایه‌ام حرف زدم", "امروز سر کار", "سر شام با دوستان"),
        "e": ("نظر شما چیه؟", "خخخ", "", ""),
        "r": ("کاملا موافقم", "منبع؟", "فکر نمی‌کنم درست باشه", "منم همینطور", "ممنون از اشتراک"),
        "j": ("و",),
    },
}

# (topic id, hashtags, subjects per language)
TOPICS: tuple[tuple[str, tuple[str, ...], dict[str, tuple[str, ...]]], ...] = (
    (
        "transit",
        ("commute", "publictransport"),
        {
            "en": (
                "the new bus timetable",
                "the metro line extension",
                "train delays downtown",
                "the price of a monthly pass",
            ),
            "es": ("el nuevo horario del autobús", "el retraso del metro"),
            "fr": ("le nouveau plan de bus", "les retards du RER"),
            "id": ("jadwal KRL yang baru", "antrian TransJakarta"),
            "ar": ("مواعيد الحافلات الجديدة", "تأخير المترو"),
            "fa": ("برنامه جدید اتوبوس", "تاخیر مترو"),
        },
    ),
    (
        "housing",
        ("rent", "housing"),
        {
            "en": (
                "rent in this city",
                "the housing market",
                "my landlord's new rules",
                "finding a flat near work",
            ),
            "es": ("el alquiler en esta ciudad", "buscar piso cerca del trabajo"),
            "fr": ("le loyer à Paris", "chercher un appart"),
            "id": ("harga kos di kota", "cicilan rumah"),
            "ar": ("إيجار الشقق في المدينة", "البحث عن شقة"),
            "fa": ("اجاره خانه در شهر", "پیدا کردن آپارتمان"),
        },
    ),
    (
        "inflation",
        ("prices", "inflation"),
        {
            "en": ("grocery prices", "the cost of eggs", "my weekly shopping bill", "coffee prices"),
            "es": ("el precio de la comida", "la inflación de este mes"),
            "fr": ("le prix des courses", "l'inflation ce mois-ci"),
            "id": ("harga sembako", "harga cabai"),
            "ar": ("أسعار الخضار", "غلاء المعيشة"),
            "fa": ("قیمت مواد غذایی", "تورم این ماه"),
        },
    ),
    (
        "climate",
        ("climate", "climateaction"),
        {
            "en": ("the climate summit", "the heatwave forecast", "plastic recycling", "the new bike lanes"),
            "es": ("la cumbre del clima", "el reciclaje en mi barrio"),
            "fr": ("le sommet climat", "le tri des déchets"),
            "id": ("sampah plastik di pantai", "polusi udara Jakarta"),
            "ar": ("التغير المناخي", "إعادة التدوير"),
            "fa": ("تغییرات اقلیمی", "آلودگی هوا"),
        },
    ),
    (
        "local_politics",
        ("citycouncil", "localgov"),
        {
            "en": (
                "the city council vote",
                "the mayor's budget plan",
                "the new parking rules",
                "the council meeting last night",
            ),
            "es": ("el pleno del ayuntamiento", "el presupuesto del alcalde"),
            "fr": ("le conseil municipal", "le budget de la mairie"),
            "id": ("rapat DPRD kemarin", "anggaran pemkot"),
            "ar": ("قرار البلدية الجديد", "ميزانية المحافظ"),
            "fa": ("جلسه شورای شهر", "بودجه شهرداری"),
        },
    ),
    (
        "healthcare",
        ("health", "nhs"),
        {
            "en": (
                "waiting times at the clinic",
                "the flu season",
                "my GP appointment",
                "the new hospital wing",
            ),
            "es": ("las listas de espera del hospital", "la temporada de gripe"),
            "fr": ("l'attente aux urgences", "la grippe cette année"),
            "id": ("antrian BPJS", "musim flu"),
            "ar": ("الانتظار في المستشفى", "موسم الإنفلونزا"),
            "fa": ("صف انتظار بیمارستان", "فصل آنفولانزا"),
        },
    ),
    (
        "schools",
        ("education", "teachers"),
        {
            "en": ("the school exam schedule", "teacher pay", "my kid's homework load", "school lunches"),
            "es": ("los exámenes del colegio", "el sueldo de los profes"),
            "fr": ("le bac cette année", "les devoirs des enfants"),
            "id": ("ujian sekolah", "PR anak aku"),
            "ar": ("امتحانات المدارس", "رواتب المعلمين"),
            "fa": ("امتحانات مدرسه", "حقوق معلمان"),
        },
    ),
    (
        "football",
        ("football", "matchday"),
        {
            "en": (
                "our defence this season",
                "the transfer window",
                "the referee last night",
                "the league table",
            ),
            "es": ("la defensa del equipo", "el fichaje nuevo"),
            "fr": ("le mercato", "l'arbitrage d'hier soir"),
            "id": ("performa timnas", "liga lokal musim ini"),
            "ar": ("دفاع الفريق هذا الموسم", "سوق الانتقالات"),
            "fa": ("خط دفاع تیم", "نقل و انتقالات"),
        },
    ),
    (
        "music",
        ("music", "nowplaying"),
        {
            "en": (
                "the new album from my favourite band",
                "the concert tickets",
                "this summer's festival lineup",
                "that viral song",
            ),
            "es": ("el nuevo disco", "las entradas del concierto"),
            "fr": ("le nouvel album", "les places du concert"),
            "id": ("lagu baru itu", "tiket konser"),
            "ar": ("الألبوم الجديد", "تذاكر الحفلة"),
            "fa": ("آلبوم جدید", "بلیط کنسرت"),
        },
    ),
    (
        "cinema",
        ("movies", "cinema"),
        {
            "en": (
                "the new superhero movie",
                "that documentary on streaming",
                "cinema ticket prices",
                "the film awards",
            ),
            "es": ("la nueva peli de superhéroes", "la serie de moda"),
            "fr": ("le dernier film au ciné", "la série du moment"),
            "id": ("film horor terbaru", "drakor yang lagi viral"),
            "ar": ("المسلسل الجديد", "الفيلم الوثائقي"),
            "fa": ("فیلم تازه", "سریال جدید"),
        },
    ),
    (
        "food",
        ("foodie", "recipes"),
        {
            "en": (
                "the ramen place on 5th street",
                "my sourdough starter",
                "street food at the night market",
                "this pasta recipe",
            ),
            "es": ("la paella de mi abuela", "el bar de tapas nuevo"),
            "fr": ("la boulangerie du coin", "cette recette de crêpes"),
            "id": ("nasi goreng dekat kantor", "resep rendang"),
            "ar": ("مطعم الفلافل الجديد", "وصفة الكبسة"),
            "fa": ("قورمه سبزی مادرم", "رستوران جدید"),
        },
    ),
    (
        "travel",
        ("travel", "wanderlust"),
        {
            "en": (
                "flight prices this summer",
                "airport queues",
                "my trip to the mountains",
                "cheap weekend getaways",
            ),
            "es": ("los vuelos de verano", "mi viaje a la costa"),
            "fr": ("les billets de train", "mes vacances à la mer"),
            "id": ("tiket pesawat mudik", "liburan ke Bali"),
            "ar": ("أسعار تذاكر الطيران", "رحلتي إلى البحر"),
            "fa": ("قیمت بلیط هواپیما", "سفر به شمال"),
        },
    ),
    (
        "weather",
        ("weather", "rain"),
        {
            "en": (
                "this endless rain",
                "the weekend forecast",
                "the wind last night",
                "this weird warm winter",
            ),
            "es": ("esta lluvia sin fin", "el calor de hoy"),
            "fr": ("cette pluie", "la météo du week-end"),
            "id": ("hujan deras sore ini", "cuaca panas banget"),
            "ar": ("الأمطار اليوم", "حر هذا الأسبوع"),
            "fa": ("باران امروز", "گرمای این هفته"),
        },
    ),
    (
        "energy",
        ("energy", "bills"),
        {
            "en": ("my electricity bill", "petrol prices", "the solar panel subsidy", "heating costs"),
            "es": ("la factura de la luz", "el precio de la gasolina"),
            "fr": ("la facture d'électricité", "le prix de l'essence"),
            "id": ("harga BBM", "tagihan listrik"),
            "ar": ("فاتورة الكهرباء", "سعر البنزين"),
            "fa": ("قبض برق", "قیمت بنزین"),
        },
    ),
    (
        "ai",
        ("AI", "tech"),
        {
            "en": (
                "AI chatbots at work",
                "the new coding assistant",
                "AI-generated art",
                "automation in my office",
            ),
            "es": ("la inteligencia artificial", "los chatbots en el trabajo"),
            "fr": ("l'IA au boulot", "les assistants de code"),
            "id": ("AI buat kerja", "chatbot di kantor"),
            "ar": ("الذكاء الاصطناعي", "روبوتات المحادثة"),
            "fa": ("هوش مصنوعی", "چت‌بات‌ها"),
        },
    ),
    (
        "crypto",
        ("crypto", "bitcoin"),
        {
            "en": (
                "bitcoin this week",
                "my crypto portfolio",
                "that new token everyone shills",
                "crypto regulation",
            ),
            "es": ("el bitcoin", "mis criptos"),
            "fr": ("le bitcoin", "les cryptos"),
            "id": ("harga bitcoin", "investasi kripto"),
            "ar": ("سعر البيتكوين", "العملات الرقمية"),
            "fa": ("قیمت بیت‌کوین", "ارز دیجیتال"),
        },
    ),
    (
        "gaming",
        ("gaming", "gamer"),
        {
            "en": ("the new open-world game", "console prices", "that patch update", "the esports finals"),
            "es": ("el nuevo videojuego", "la actualización del juego"),
            "fr": ("le nouveau jeu vidéo", "la mise à jour"),
            "id": ("game mobile baru", "turnamen esports"),
            "ar": ("اللعبة الجديدة", "تحديث اللعبة"),
            "fa": ("بازی جدید", "آپدیت بازی"),
        },
    ),
    (
        "space",
        ("space", "astronomy"),
        {
            "en": (
                "the rocket launch",
                "last night's meteor shower",
                "the new telescope images",
                "the moon mission",
            ),
            "es": ("el lanzamiento del cohete", "la lluvia de estrellas"),
            "fr": ("le lancement de la fusée", "les images du télescope"),
            "id": ("peluncuran roket", "hujan meteor"),
            "ar": ("إطلاق الصاروخ", "صور التلسكوب"),
            "fa": ("پرتاب موشک", "بارش شهابی"),
        },
    ),
    (
        "jobs",
        ("jobs", "career"),
        {
            "en": ("job hunting right now", "remote work", "my salary negotiation", "the four-day week idea"),
            "es": ("buscar trabajo", "el teletrabajo"),
            "fr": ("chercher un emploi", "le télétravail"),
            "id": ("cari kerja sekarang", "kerja remote"),
            "ar": ("البحث عن عمل", "العمل عن بعد"),
            "fa": ("کار پیدا کردن", "دورکاری"),
        },
    ),
    (
        "pets",
        ("pets", "dogsofinstagram"),
        {
            "en": ("my dog's new trick", "the cat shelter", "vet bills", "adopting a rescue puppy"),
            "es": ("mi perro", "el refugio de gatos"),
            "fr": ("mon chat", "le refuge"),
            "id": ("kucing aku", "adopsi anjing"),
            "ar": ("قطتي", "ملجأ الحيوانات"),
            "fa": ("گربه‌ام", "پناهگاه حیوانات"),
        },
    ),
    (
        "fitness",
        ("fitness", "running"),
        {
            "en": ("my morning run", "the gym membership", "the city marathon", "this new workout plan"),
            "es": ("el gimnasio", "correr por la mañana"),
            "fr": ("la salle de sport", "mon footing"),
            "id": ("lari pagi", "nge-gym"),
            "ar": ("النادي الرياضي", "الجري الصباحي"),
            "fa": ("باشگاه", "دویدن صبحگاهی"),
        },
    ),
    (
        "books",
        ("books", "reading"),
        {
            "en": (
                "the book I'm reading",
                "the library reopening",
                "that bestseller",
                "my reading challenge",
            ),
            "es": ("el libro que estoy leyendo", "la biblioteca"),
            "fr": ("le roman que je lis", "la bibliothèque"),
            "id": ("novel yang aku baca", "perpustakaan kota"),
            "ar": ("الرواية التي أقرؤها", "المكتبة العامة"),
            "fa": ("کتابی که می‌خوانم", "کتابخانه"),
        },
    ),
)

EMOJI = ("😂", "🙄", "😍", "🔥", "😭", "👍", "🤔", "😅", "🙏", "💯", "😡", "✨", "🥲", "👀")
GENERIC_TAGS = ("mondaymood", "news", "life", "random", "thoughts", "weekend", "trending", "today")
DOMAINS = (
    "nytimes.com",
    "bbc.co.uk",
    "elpais.com",
    "lemonde.fr",
    "kompas.com",
    "aljazeera.net",
    "youtube.com",
    "reddit.com",
    "medium.com",
    "substack.com",
    "theguardian.com",
    "detik.com",
    "france24.com",
    "bbc.com/persian",
    "clarin.com",
    "instagram.com",
    "imgur.com",
    "wikipedia.org",
    "github.com",
    "spotify.com",
    "goodreads.com",
    "tripadvisor.com",
    "allrecipes.com",
    "espn.com",
    "marca.com",
)


@dataclass(slots=True)
class Account:
    id: str
    handle: str
    created_at: float
    followers: int
    verified: bool
    lang: str
    tz: int
    topics: tuple[int, ...] = ()


@dataclass(slots=True)
class Post:
    id: str
    t: float
    account: Account
    text: str
    lang: str
    platform: str
    label: str
    topic: str
    kind: str
    links: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    repost_of: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    mentions: list[dict[str, Any]]
    labels: list[dict[str, Any]]
    allowlist: list[str]


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_start(text: str) -> datetime:
    """Parse an RFC 3339 start time; a naive value is taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Generator:
    """Builds one scenario; all randomness flows from `self.rng` so a seed fixes the output."""

    def __init__(self, seed: int, mentions: int, hours: float, start: datetime) -> None:
        if mentions < MIN_MENTIONS:
            raise ValueError(f"--mentions must be at least {MIN_MENTIONS}")
        if hours < 4:
            raise ValueError("--hours must be at least 4 (campaigns and viral events need room)")
        self.rng = random.Random(seed)
        self.target = mentions
        self.t0 = start.timestamp()
        self.span = hours * 3600.0
        self.posts: list[Post] = []
        self.allowlist: list[str] = []
        self._ids: set[str] = set()
        self._langs = list(LANG_WEIGHTS)
        self._lang_w = list(LANG_WEIGHTS.values())

    # -- identities -------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}{self.rng.getrandbits(56):014x}"
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def _handle(self, bot_like: bool) -> str:
        syll = ("ka", "ri", "mo", "le", "sa", "to", "na", "vi", "el", "an", "jo", "ma", "de", "lu", "ar")
        name = "".join(self.rng.choice(syll) for _ in range(self.rng.randint(2, 4)))
        if bot_like:
            return f"{name.capitalize()}{self.rng.randint(10_000_000, 99_999_999)}"
        suffix = self.rng.choice(("", "_", "", str(self.rng.randint(1, 99)), "_official", "x"))
        return f"{name}{suffix}"

    def _account(self, lang: str, *, new: bool, verified: bool = False, handle: str | None = None) -> Account:
        rng = self.rng
        if new:
            age_days = rng.uniform(0.5, 45.0)
            followers = int(rng.lognormvariate(2.0, 1.0))
        else:
            age_days = rng.uniform(200.0, 5000.0)
            followers = int(rng.lognormvariate(5.0, 1.6))
        return Account(
            id=self._new_id("u"),
            handle=handle or self._handle(bot_like=new),
            created_at=self.t0 - age_days * 86400.0,
            followers=followers,
            verified=verified,
            lang=lang,
            tz=rng.choice(LANG_TZ[lang]),
            topics=tuple(rng.sample(range(len(TOPICS)), rng.randint(2, 4))),
        )

    def _platform(self) -> str:
        names = [p for p, _ in PLATFORMS]
        return self.rng.choices(names, weights=[w for _, w in PLATFORMS])[0]

    # -- text -----------------------------------------------------------------------------------

    def _typos(self, text: str) -> str:
        words = text.split(" ")
        for _ in range(self.rng.randint(1, 2)):
            i = self.rng.randrange(len(words))
            w = words[i]
            if len(w) < 4 or not w.isalpha():
                continue
            j = self.rng.randrange(1, len(w) - 1)
            op = self.rng.random()
            if op < 0.4:
                w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
            elif op < 0.7:
                w = w[:j] + w[j + 1 :]
            else:
                w = w[:j] + w[j] + w[j:]
            words[i] = w
        return " ".join(words)

    def _decorate(
        self, text: str, lang: str, tags: Sequence[str], link_p: float = 0.15
    ) -> tuple[str, list[str], list[str]]:
        """Add the personal noise organic posts carry: typos, casing, emoji, hashtags, links."""
        rng = self.rng
        if lang in ("en", "es", "fr", "id"):
            if rng.random() < 0.15:
                text = self._typos(text)
            if rng.random() < 0.2:
                text = text.lower()
        if rng.random() < 0.3:
            text += " " + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
        hashtags: list[str] = []
        if rng.random() < 0.35:
            pool = list(tags) + list(GENERIC_TAGS)
            hashtags = rng.sample(pool, rng.randint(1, 2))
            text += " " + " ".join("#" + h for h in hashtags)
        links: list[str] = []
        if rng.random() < link_p:
            domain = rng.choice(DOMAINS)
            slug = "-".join(
                rng.choice(("news", "story", "watch", "post", "item", "p", "a")) for _ in range(2)
            )
            links.append(f"https://{domain}/{slug}/{rng.randint(1000, 9_999_999)}")
            text += " " + links[0]
        return text.strip(), links, hashtags

    def _compose(self, lang: str, subjects: Sequence[str]) -> str:
        rng, v = self.rng, LANGS[lang]
        pattern = rng.choice(PATTERNS)
        s, s2 = rng.choice(subjects), rng.choice(subjects)
        text = pattern.format(
            f=rng.choice(v["f"]),
            s=s,
            c=rng.choice(v["c"]),
            x=rng.choice(v["x"]),
            e=rng.choice(v["e"]),
            j=v["j"][0],
            s2=s2,
            c2=rng.choice(v["c"]),
        )
        return " ".join(text.split())

    # -- timing ---------------------------------------------------------------------------------

    def _organic_time(self, tz: int) -> float:
        """Rejection-sample a time with a daily rhythm peaking around 20:00 local time."""
        rng = self.rng
        while True:
            t = self.t0 + rng.random() * self.span
            hour = ((t - self.t0) / 3600.0 + tz) % 24.0
            intensity = 0.25 + 0.75 * (1.0 + math.cos((hour - 20.0) / 24.0 * 2 * math.pi)) / 2.0
            if rng.random() < intensity:
                return t

    def _onset(self, lo: float, hi: float) -> float:
        """A start time between fractions `lo` and `hi` of the window."""
        return self.t0 + self.span * self.rng.uniform(lo, hi)

    # -- posts ----------------------------------------------------------------------------------

    def _add(
        self,
        t: float,
        account: Account,
        text: str,
        *,
        label: str,
        topic: str,
        kind: str,
        links: Sequence[str] = (),
        hashtags: Sequence[str] = (),
        platform: str | None = None,
        repost_of: str | None = None,
        reply_to: str | None = None,
        lang: str | None = None,
    ) -> Post:
        post = Post(
            id=self._new_id("m"),
            t=self._inside(t),
            account=account,
            text=text,
            lang=lang or account.lang,
            platform=platform or self._platform(),
            label=label,
            topic=topic,
            kind=kind,
            links=list(links),
            hashtags=list(hashtags),
            repost_of=repost_of,
            reply_to=reply_to,
        )
        self.posts.append(post)
        return post

    def _inside(self, t: float) -> float:
        """Keep a time inside the window; a late one lands at a random point of the last 10 minutes.

        Clamping to the end instead would stack every late post on one instant, a fake burst.
        """
        end = self.t0 + self.span
        return t if t < end else end - self.rng.uniform(0.001, min(600.0, 0.05 * self.span))

    def _after(self, t0: float, delay: float) -> float:
        """`t0 + delay`, or a random time between `t0` and the end of the window when that is later."""
        end = self.t0 + self.span
        t = t0 + delay
        return t if t < end else self.rng.uniform(t0, end)

    def _repost_text(self, original: Post, platform: str) -> str:
        # On X a repost carries the RT prefix; elsewhere a share usually carries no text of its own.
        return f"RT @{original.account.handle}: {original.text}" if platform == "x" else ""

    # -- scenario parts -------------------------------------------------------------------------

    def organic(self, pool: list[Account], count: int) -> None:
        rng = self.rng
        weights = [rng.paretovariate(1.6) for _ in pool]
        originals: list[Post] = []
        for account in rng.choices(pool, weights=weights, k=count):
            roll = rng.random()
            if originals and roll < 0.10:
                self._organic_share(account, originals, repost=True)
                continue
            if originals and roll < 0.18:
                self._organic_share(account, originals, repost=False)
                continue
            topic_index = rng.choice(account.topics)
            topic_id, tags, subjects = TOPICS[topic_index]
            text = self._compose(account.lang, subjects[account.lang])
            text, links, hashtags = self._decorate(text, account.lang, tags)
            post = self._add(
                self._organic_time(account.tz),
                account,
                text,
                label="organic",
                topic=f"organic:{topic_id}",
                kind="organic",
                links=links,
                hashtags=hashtags,
            )
            # Popular accounts get reposted far more often, as on real platforms.
            if account.followers > 500 or rng.random() < 0.05:
                originals.append(post)

    def _organic_share(self, account: Account, originals: list[Post], *, repost: bool) -> None:
        rng = self.rng
        original = rng.choices(
            originals[-400:], weights=[math.log2(2 + p.account.followers) for p in originals[-400:]]
        )[0]
        # Organic sharing trails the original by minutes to hours, never in lock-step.
        t = self._after(original.t, rng.expovariate(1.0 / 5400.0) + rng.uniform(20.0, 300.0))
        if repost:
            platform = original.platform
            self._add(
                t,
                account,
                self._repost_text(original, platform),
                label="organic",
                topic=original.topic,
                kind="organic",
                platform=platform,
                repost_of=original.id,
                links=original.links,
                hashtags=original.hashtags,
            )
            return
        lang = original.lang
        text = rng.choice(LANGS[lang]["r"])
        if rng.random() < 0.3:
            text += " " + rng.choice(EMOJI)
        self._add(
            t,
            account,
            text,
            label="organic",
            topic=original.topic,
            kind="organic",
            platform=original.platform,
            reply_to=original.id,
            lang=lang,
        )

    def viral(self, pool_by_lang: dict[str, list[Account]], count: int) -> None:
        per_event = count // len(VIRAL_EVENTS)
        for n, (event_id, langs, tags, facts, reactions, articles) in enumerate(VIRAL_EVENTS):
            onset = self._onset(0.12 + 0.25 * n, 0.25 + 0.25 * n)
            lang_pool = [lang for lang in langs for _ in range(4 if lang == "en" else 1)]
            article_urls = [f"https://{d}/{path}" for d, path in articles]
            article_w = [1.0 / (i + 1) ** 1.2 for i in range(len(article_urls))]
            posted: list[Post] = []
            for _ in range(per_event):
                lang = self.rng.choice(lang_pool)
                account = self.rng.choice(pool_by_lang[lang])
                # Gamma delays: a steep organic ramp over the first quarter hour, then hours of decay.
                t = onset + self.rng.gammavariate(1.4, 1800.0)
                if posted and self.rng.random() < 0.08:
                    original = self.rng.choice(posted)
                    platform = original.platform
                    self._add(
                        self._after(original.t, max(t - original.t, 30.0)),
                        account,
                        self._repost_text(original, platform),
                        label="organic",
                        topic=f"organic:{event_id}",
                        kind="viral",
                        platform=platform,
                        repost_of=original.id,
                        links=original.links,
                        hashtags=original.hashtags,
                    )
                    continue
                subjects = facts[lang]
                text = (
                    self._compose(lang, subjects) if self.rng.random() < 0.35 else self.rng.choice(subjects)
                )
                if self.rng.random() < 0.7:
                    text = f"{text} {self.rng.choice(reactions[lang])}"
                text, links, hashtags = self._decorate(text, lang, tags, link_p=0.1)
                if self.rng.random() < 0.2:
                    link = self.rng.choices(article_urls, weights=article_w)[0]
                    links.append(link)
                    text += " " + link
                posted.append(
                    self._add(
                        t,
                        account,
                        text,
                        label="organic",
                        topic=f"organic:{event_id}",
                        kind="viral",
                        links=links,
                        hashtags=hashtags,
                    )
                )

    def official(self) -> None:
        rng = self.rng
        campaign = "official:veridia-culture-day"
        ministry = self._account("en", new=False, verified=True, handle="VeridiaMFA")
        ministry.followers = 850_000
        embassies = [ministry]
        for city, lang in OFFICIAL_EMBASSIES:
            embassy = self._account(lang, new=False, verified=True, handle=f"VeridiaEmb{city}")
            embassy.followers = rng.randint(4_000, 90_000)
            embassies.append(embassy)
        self.allowlist.extend(a.id for a in embassies)
        onset = self._onset(0.3, 0.45)
        url = "https://mfa.veridia.example/culture-day-2026"
        for account in embassies:
            for k in range(rng.randint(1, 3)):
                # The first post lands within minutes of the ministry; follow-ups during the day.
                t = onset + (rng.uniform(0.0, 600.0) if k == 0 else rng.uniform(1800.0, 6 * 3600.0))
                texts = OFFICIAL_TEXTS.get(account.lang, OFFICIAL_TEXTS["en"])
                text = rng.choice(texts)
                links = [url] if rng.random() < 0.6 else []
                if links:
                    text += " " + url
                self._add(
                    t,
                    account,
                    text,
                    label=campaign,
                    topic=campaign,
                    kind="official",
                    links=links,
                    hashtags=["VeridiaCultureDay"],
                    platform=rng.choice(("x", "facebook")),
                )

    def campaigns(self) -> None:
        for spec in CAMPAIGNS:
            self._campaign(spec)

    def _campaign_accounts(self, langs: Sequence[str], n: int) -> list[Account]:
        # Mostly fresh throwaway accounts, plus a few aged "sleeper" accounts bought or hijacked.
        return [self._account(self.rng.choice(langs), new=self.rng.random() < 0.8) for _ in range(n)]

    def _campaign(self, spec: CampaignSpec) -> None:
        rng = self.rng
        accounts = self._campaign_accounts(spec.langs, rng.randint(*spec.accounts))
        duration = min(spec.duration_s, 0.4 * self.span)
        onset = self._onset(0.05, 0.95 - duration / self.span)
        posts = rng.randint(*spec.posts) if spec.posts else len(accounts)
        times = self._campaign_times(spec, onset, duration, posts)
        for i, t in enumerate(times):
            # Drips rotate through their accounts; bursts let every account post once first.
            account = (
                accounts[i % len(accounts)]
                if spec.kind == "drip" or i < len(accounts)
                else rng.choice(accounts)
            )
            texts = spec.texts.get(account.lang) or next(iter(spec.texts.values()))
            text = rng.choice(texts)
            links: list[str] = []
            if spec.kind == "copypaste":
                text = self._tiny_variation(text)
            if spec.urls:
                links.append(self._tracked(rng.choice(spec.urls)))
            if spec.hashtags and spec.kind != "copypaste":
                text += " " + " ".join("#" + h for h in spec.hashtags)
            if links:
                text += " " + links[0]
            hashtags = (
                list(spec.hashtags) if spec.hashtags else [w[1:] for w in text.split() if w.startswith("#")]
            )
            self._add(
                t,
                account,
                text,
                label=spec.id,
                topic=spec.id,
                kind=spec.kind,
                links=links,
                hashtags=hashtags,
                platform=rng.choice(spec.platforms),
            )

    def _campaign_times(self, spec: CampaignSpec, onset: float, duration: float, posts: int) -> list[float]:
        rng = self.rng
        if spec.kind == "drip":
            times: list[float] = []
            t = onset
            while len(times) < posts and t < onset + duration:
                times.append(t)
                t += rng.uniform(*spec.gap_s)
            return times
        if spec.kind == "link_ring":
            # Waves of near-instant shares: the ring's automation fires seconds apart.
            times = []
            waves = rng.randint(2, 3)
            for i in range(posts):
                wave = onset + (i % waves) * duration / waves
                times.append(wave + rng.expovariate(1.0 / 25.0))
            return sorted(times)
        return sorted(onset + rng.uniform(0.0, duration) for _ in range(posts))

    def network_campaigns(self) -> None:
        """The campaigns that span several narratives (see :mod:`choruswatch.simulate_campaigns`)."""
        for wave in WAVES:
            self._waves(wave)
        for slow in SLOW_CLAIMS:
            self._slow_claims(slow)
        for switch in SWITCHES:
            self._switch(switch)

    def _waves(self, spec: WaveSpec) -> None:
        rng = self.rng
        accounts = self._campaign_accounts((spec.lang,), rng.randint(*spec.accounts))
        waves = rng.randint(*spec.waves)
        gaps = [rng.uniform(*spec.wave_gap_s) for _ in range(waves - 1)]
        t = self._onset(0.05, 0.95 - (sum(gaps) + spec.wave_span_s) / self.span)
        rng.shuffle(accounts)
        for w in range(waves):
            # Consecutive slices of the pool: a farm's scheduler works through its accounts in turn.
            for k in range(spec.per_wave):
                account = accounts[(w * spec.per_wave + k) % len(accounts)]
                text = spin(rng, rng.choice(spec.claims))
                self._add(
                    t + rng.uniform(0.0, spec.wave_span_s),
                    account,
                    text,
                    label=spec.id,
                    topic=spec.id,
                    kind="waves",
                    platform="x",
                )
            t += gaps[w] if w < len(gaps) else 0.0

    def _slow_claims(self, spec: SlowClaimsSpec) -> None:
        rng = self.rng
        accounts = self._campaign_accounts((spec.lang,), rng.randint(*spec.accounts))
        onset = self._onset(0.05, 0.95 - spec.duration_s / self.span)
        for account in accounts:
            for _ in range(rng.randint(*spec.posts_per_account)):
                self._add(
                    onset + rng.uniform(0.0, spec.duration_s),
                    account,
                    spin(rng, rng.choice(spec.claims)),
                    label=spec.id,
                    topic=spec.id,
                    kind="slow_claims",
                    platform=rng.choice(("x", "facebook")),
                )

    def _switch(self, spec: SwitchSpec) -> None:
        rng = self.rng
        accounts = self._campaign_accounts((spec.lang,), rng.randint(*spec.accounts))
        gaps = [rng.uniform(*spec.phase_gap_s) for _ in range(len(spec.phases) - 1)]
        t = self._onset(0.05, 0.95 - (sum(gaps) + spec.phase_span_s) / self.span)
        for phase, claims in enumerate(spec.phases):
            for account in accounts:
                if rng.random() >= spec.participation:
                    continue
                self._add(
                    t + rng.uniform(0.0, spec.phase_span_s),
                    account,
                    spin(rng, rng.choice(claims)),
                    label=spec.id,
                    # One subject per phase: the theme level should split them, the accounts join them.
                    topic=f"{spec.id}:{phase + 1}",
                    kind="switch",
                    platform="x",
                )
            t += gaps[phase] if phase < len(gaps) else 0.0

    def outlet_events(self, pool_by_lang: dict[str, list[Account]]) -> None:
        for spec in OUTLET_EVENTS:
            self._outlet_event(spec, pool_by_lang["en"])

    def _outlet_event(self, spec: OutletEventSpec, pool: list[Account]) -> None:
        rng = self.rng
        outlet = self._account("en", new=False, verified=True, handle=spec.outlet_handle)
        outlet.followers = rng.randint(200_000, 900_000)
        onset = self._onset(0.1, 0.85)
        topic = f"organic:{spec.id}"
        headline = self._add(
            onset,
            outlet,
            f"{spec.headline} {spec.url}",
            label="organic",
            topic=topic,
            kind="viral",
            links=[spec.url],
            platform="x",
        )
        reposts: list[Post] = []
        for account in rng.sample(pool, min(len(pool), rng.randint(*spec.accounts))):
            # Reactions trail the headline by minutes to an hour: a gamma ramp, not a wave.
            t = onset + 20.0 + rng.gammavariate(1.5, 900.0)
            if rng.random() < spec.repost_share:
                earlier = [r for r in reposts if r.t < t]
                original = headline if not earlier or rng.random() < 0.85 else rng.choice(earlier)
                reposts.append(
                    self._add(
                        self._after(original.t, max(t - original.t, 5.0)),
                        account,
                        self._repost_text(headline, "x"),
                        label="organic",
                        topic=topic,
                        kind="viral",
                        platform="x",
                        repost_of=original.id,
                        links=[spec.url],
                    )
                )
                continue
            text = spin(rng, rng.choice(spec.reactions))
            text, links, hashtags = self._decorate(text, "en", spec.tags, link_p=0.0)
            if rng.random() < 0.3:
                links.append(spec.url)
                text += " " + spec.url
            self._add(
                self._after(onset, t - onset),
                account,
                text,
                label="organic",
                topic=topic,
                kind="viral",
                links=links,
                hashtags=hashtags,
                reply_to=headline.id if rng.random() < 0.3 else None,
            )

    def _tiny_variation(self, text: str) -> str:
        rng = self.rng
        op = rng.random()
        if op < 0.3:
            return text
        if op < 0.5:
            return f"{text} {rng.choice(('🔥', '‼️', '👇', '🙏', '😡'))}"
        if op < 0.65:
            return text.rstrip("!.") + "!!"
        if op < 0.8:
            return f"{rng.choice(('RT', 'Share:', '⚠️', '👉'))} {text}"
        words = text.split(" ")
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
        return " ".join(words)

    def _tracked(self, url: str) -> str:
        rng = self.rng
        params = []
        if rng.random() < 0.7:
            params.append(f"utm_source={rng.choice(('twitter', 'fb', 'tg', 'wa', 'share'))}")
            params.append(f"utm_medium={rng.choice(('social', 'post', 'dm'))}")
        if rng.random() < 0.4:
            params.append(f"fbclid=IwAR{rng.getrandbits(64):016x}")
        if rng.random() < 0.3:
            params.append(f"s={rng.randint(10, 99)}")
        return url + ("?" + "&".join(params) if params else "")

    # -- assembly -------------------------------------------------------------------------------

    def build(self) -> Scenario:
        rng = self.rng
        pool_size = max(600, self.target // 8)
        langs = rng.choices(self._langs, weights=self._lang_w, k=pool_size)
        pool = [self._account(lang, new=rng.random() < 0.04) for lang in langs]
        pool_by_lang: dict[str, list[Account]] = {lang: [] for lang in LANG_WEIGHTS}
        for account in pool:
            if account.created_at < self.t0 - 180 * 86400:
                pool_by_lang[account.lang].append(account)
        self.official()
        self.campaigns()
        self.network_campaigns()
        self.viral(pool_by_lang, max(60, int(self.target * 0.045)))
        self.outlet_events(pool_by_lang)
        self.organic(pool, self.target - len(self.posts))
        self.posts.sort(key=lambda p: (p.t, p.id))
        return Scenario(
            mentions=[_mention_dict(p) for p in self.posts],
            labels=[_label_dict(p) for p in self.posts],
            allowlist=list(self.allowlist),
        )


def _mention_dict(p: Post) -> dict[str, Any]:
    a = p.account
    out: dict[str, Any] = {
        "id": p.id,
        "platform": p.platform,
        "created_at": _iso(p.t),
        "text": p.text,
        "author": {
            "id": a.id,
            "handle": a.handle,
            "created_at": _iso(a.created_at),
            "followers": a.followers,
            "verified": a.verified,
        },
        "lang": p.lang,
        "url": f"https://{PLATFORM_HOSTS[p.platform]}/{a.handle}/{p.id}",
    }
    if p.links:
        out["links"] = p.links
    if p.hashtags:
        out["hashtags"] = p.hashtags
    if p.repost_of:
        out["repost_of"] = p.repost_of
    if p.reply_to:
        out["reply_to"] = p.reply_to
    return out


def _label_dict(p: Post) -> dict[str, Any]:
    return {"mention_id": p.id, "label": p.label, "topic": p.topic, "kind": p.kind, "created_at": _iso(p.t)}


def generate(
    seed: int, mentions: int = DEFAULT_MENTIONS, hours: float = DEFAULT_HOURS, start: datetime | None = None
) -> Scenario:
    """Build a labelled scenario: mentions sorted by created_at, one label per mention, the allowlist."""
    return _Generator(seed, mentions, hours, start or parse_start(DEFAULT_START)).build()


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    id: str
    kind: str
    langs: tuple[str, ...]
    accounts: tuple[int, int]
    duration_s: float
    texts: dict[str, tuple[str, ...]]
    hashtags: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    posts: tuple[int, int] | None = None
    platforms: tuple[str, ...] = ("x",)
    gap_s: tuple[float, float] = (180.0, 540.0)  # drips: seconds between posts


VIRAL_EVENTS: tuple[
    tuple[
        str,
        tuple[str, ...],
        tuple[str, ...],
        dict[str, tuple[str, ...]],
        dict[str, tuple[str, ...]],
        tuple[tuple[str, str], ...],
    ],
    ...,
] = (
    (
        "event-earthquake",
        ("en", "es", "ar", "fr", "id"),
        ("earthquake", "quake", "sismo", "زلزال"),
        {
            "en": (
                "a strong earthquake just hit the coast",
                "the whole building was shaking",
                "the quake near the coast",
                "that earthquake",
                "the aftershocks",
                "the magnitude 6.2 quake",
                "the tremor we felt here",
            ),
            "es": ("el terremoto de hace un rato", "el sismo en la costa", "las réplicas del sismo"),
            "ar": ("الزلزال الذي ضرب الساحل", "الهزة الأرضية", "الهزات الارتدادية"),
            "fr": ("le séisme sur la côte", "le tremblement de terre", "les répliques"),
            "id": ("gempa barusan", "gempa di pesisir", "gempa susulan"),
        },
        {
            "en": (
                "Stay safe everyone.",
                "Praying for everyone affected 🙏",
                "That was terrifying.",
                "My hands are still shaking.",
                "Check on your neighbours.",
                "Is everyone ok??",
            ),
            "es": ("Cuídense todos.", "Qué miedo.", "¿Todos bien?"),
            "ar": ("الله يحفظ الجميع", "كان مخيفا جدا", "هل الجميع بخير؟"),
            "fr": ("Prenez soin de vous.", "Quelle frayeur.", "Tout le monde va bien ?"),
            "id": ("Semoga semua aman.", "Serem banget.", "Kalian aman?"),
        },
        (
            ("reuters.com", "world/quake-strikes-coast"),
            ("bbc.com", "news/world-quake-live"),
            ("elpais.com", "internacional/terremoto-costa"),
            ("aljazeera.net", "news/earthquake-coast"),
            ("usgs.gov", "earthquakes/eventpage/us7000abcd"),
            ("kompas.com", "gempa-pesisir"),
            ("lemonde.fr", "international/seisme"),
            ("apnews.com", "article/earthquake-coast"),
        ),
    ),
    (
        "event-cup-final",
        ("en", "es", "fr", "ar"),
        ("CupFinal", "final", "football", "championship"),
        {
            "en": (
                "that last-minute winner",
                "the cup final",
                "the penalty shootout",
                "our keeper tonight",
                "the final whistle",
                "that red card in the final",
            ),
            "es": ("la final de copa", "el gol del último minuto", "los penaltis de la final"),
            "fr": ("la finale de coupe", "le but à la dernière minute", "la séance de tirs au but"),
            "ar": ("نهائي الكأس", "هدف الدقيقة الأخيرة", "ركلات الترجيح"),
        },
        {
            "en": (
                "WHAT A GAME",
                "I can't breathe",
                "Champions!!!",
                "Robbed by the ref honestly",
                "Best night ever",
            ),
            "es": ("¡QUÉ PARTIDO!", "¡Campeones!", "No lo puedo creer"),
            "fr": ("QUEL MATCH", "Champions !!!", "Incroyable"),
            "ar": ("مباراة تاريخية", "أبطال!!!", "لا أصدق"),
        },
        (
            ("espn.com", "soccer/cup-final-report"),
            ("marca.com", "futbol/final-copa"),
            ("lequipe.fr", "football/finale"),
            ("bbc.com", "sport/football/cup-final"),
            ("goal.com", "en/news/final-ratings"),
        ),
    ),
    (
        "event-phone-launch",
        ("en", "id", "es"),
        ("PhoneLaunch", "tech", "gadgets"),
        {
            "en": (
                "the new phone",
                "the launch event",
                "the new camera on that phone",
                "the foldable they showed",
                "the price of the new model",
                "the battery claims",
            ),
            "id": ("HP baru itu", "acara peluncuran tadi", "kamera HP barunya"),
            "es": ("el móvil nuevo", "la presentación de hoy", "el precio del nuevo modelo"),
        },
        {
            "en": (
                "Take my money.",
                "Hard pass at that price.",
                "Meh, same as last year.",
                "Pre-ordered already 😅",
            ),
            "id": ("Mau banget.", "Mahal banget sih.", "Biasa aja."),
            "es": ("Lo quiero ya.", "Demasiado caro.", "Más de lo mismo."),
        },
        (
            ("theverge.com", "phone-launch-hands-on"),
            ("gsmarena.com", "new_phone-review"),
            ("techcrunch.com", "phone-launch-event"),
            ("youtube.com", "watch?v=launchkeynote"),
        ),
    ),
)

OFFICIAL_EMBASSIES = (
    ("UK", "en"),
    ("US", "en"),
    ("France", "fr"),
    ("Spain", "es"),
    ("Mexico", "es"),
    ("Egypt", "ar"),
    ("Jordan", "ar"),
    ("Indonesia", "id"),
    ("India", "en"),
    ("Kenya", "en"),
    ("Canada", "en"),
    ("Japan", "en"),
)
OFFICIAL_TEXTS = {
    "en": (
        "Today we celebrate #VeridiaCultureDay: music, food and friendship across borders.",
        "Join us for #VeridiaCultureDay! Music, food and friendship across borders.",
        "Happy #VeridiaCultureDay from our embassy team! Celebrating music, food and friendship.",
    ),
    "fr": ("Aujourd'hui nous célébrons la #VeridiaCultureDay : musique, cuisine et amitié sans frontières.",),
    "es": ("¡Hoy celebramos el #VeridiaCultureDay: música, comida y amistad sin fronteras!",),
    "ar": ("نحتفل اليوم بـ #VeridiaCultureDay: موسيقى وطعام وصداقة بلا حدود.",),
    "id": ("Hari ini kami merayakan #VeridiaCultureDay: musik, kuliner dan persahabatan tanpa batas.",),
}

CAMPAIGNS: tuple[CampaignSpec, ...] = (
    CampaignSpec(
        id="camp-copypaste-1",
        kind="copypaste",
        langs=("en",),
        accounts=(35, 55),
        duration_s=240.0,
        texts={
            "en": (
                "BREAKING: the so-called aid convoy to Kordan was staged by foreign agents. "
                "Share before they delete this! #WakeUpVeridia",
            )
        },
        platforms=("x", "facebook"),
    ),
    CampaignSpec(
        id="camp-copypaste-2",
        kind="copypaste",
        langs=("ar",),
        accounts=(30, 45),
        duration_s=300.0,
        texts={
            "ar": (
                "عاجل: الحكومة تخفي الحقيقة عن انقطاع المياه في العاصمة، انشروا قبل الحذف #الحقيقة_الغائبة",
            )
        },
        platforms=("x", "telegram"),
    ),
    CampaignSpec(
        id="camp-copypaste-3",
        kind="copypaste",
        langs=("fr",),
        accounts=(25, 40),
        duration_s=180.0,
        texts={
            "fr": (
                "URGENT : les élections à Veridia sont truquées, les preuves sont là. Partagez avant "
                "la censure ! #VeridiaFraude",
            )
        },
    ),
    CampaignSpec(
        id="camp-paraphrase-1",
        kind="paraphrase",
        langs=("en",),
        accounts=(25, 45),
        duration_s=480.0,
        hashtags=("HealthFreedom",),
        texts={
            "en": (
                "The new vaccination programme is really a cover for tracking every citizen.",
                "Wake up: this vaccine drive is just a way for the state to track all of us.",
                "They are using the vaccination campaign to monitor everyone, do not fall for it.",
                "Vaccine programme = surveillance programme. They want to track each one of us.",
                "Nobody is talking about how the new jab scheme lets the government follow your every move.",
                "This so-called health campaign is a tracking system dressed up as vaccines.",
                "The vaccination rollout is about surveillance, not health. Think about it.",
                "Government vaccine drive is a data grab to track citizens, plain and simple.",
                "Mark my words: the vaccine programme exists to keep tabs on every single one of us.",
                "Getting vaccinated means getting tracked. That is the real purpose of this programme.",
                "The jab campaign is cover for mass surveillance of ordinary people.",
                "Why do you think they push this vaccine programme so hard? To track us all.",
            )
        },
    ),
    CampaignSpec(
        id="camp-paraphrase-2",
        kind="paraphrase",
        langs=("es",),
        accounts=(20, 35),
        duration_s=420.0,
        hashtags=("KordanMiente",),
        texts={
            "es": (
                "Kordan está detrás de los apagones, lo saben y lo ocultan.",
                "Los apagones no son casualidad: los provoca Kordan y nadie lo dice.",
                "Detrás de cada apagón está Kordan, abran los ojos.",
                "Los cortes de luz son un sabotaje de Kordan que el gobierno esconde.",
                "¿Casualidad tanto apagón? No, es Kordan saboteando la red eléctrica.",
                "Kordan sabotea nuestra electricidad y los medios callan.",
                "Los apagones son obra de Kordan, compartan la verdad.",
                "Nos quedamos sin luz por culpa de Kordan y lo tapan.",
                "Está claro que Kordan provoca los apagones para desestabilizarnos.",
            )
        },
    ),
    CampaignSpec(
        id="camp-linkring-1",
        kind="link_ring",
        langs=("en",),
        accounts=(22, 38),
        duration_s=360.0,
        urls=("https://veridia-truth-daily.info/2026/03/leaked-memo-proves-election-plot",),
        texts={
            "en": (
                "Must read",
                "Wow. Just wow.",
                "They don't want you to see this",
                "Read this before it's deleted",
                "👀",
                "This is huge",
                "Everyone needs to see this",
                "Told you so",
                "Unbelievable",
                "The truth is out",
                "Share this",
                "Look at this",
            )
        },
        platforms=("x", "facebook", "telegram"),
    ),
    CampaignSpec(
        id="camp-linkring-2",
        kind="link_ring",
        langs=("id",),
        accounts=(20, 30),
        duration_s=300.0,
        urls=(
            "https://berita-kordan-terkini.net/artikel/skandal-bantuan",
            "https://berita-kordan-terkini.net/artikel/bukti-baru",
        ),
        texts={
            "id": (
                "Wajib baca",
                "Viralkan!",
                "Ini faktanya",
                "Buka mata kalian",
                "Gila sih ini",
                "Sebarkan",
                "Baca sampai habis",
                "Ternyata begini",
            )
        },
        platforms=("x", "facebook"),
    ),
    CampaignSpec(
        id="camp-hashtag-1",
        kind="hashtag_push",
        langs=("en",),
        accounts=(25, 40),
        duration_s=1500.0,
        posts=(60, 90),
        hashtags=("StopTheKordanDeal", "VeridiaFirst", "NoSellout"),
        texts={
            "en": (
                "We will not stay silent.",
                "Say NO to the deal.",
                "Our sovereignty is not for sale.",
                "Stand up, Veridia.",
                "Trend it.",
                "Never again.",
                "Enough is enough.",
            )
        },
    ),
    CampaignSpec(
        id="camp-drip-1",
        kind="drip",
        langs=("en",),
        accounts=(10, 14),
        duration_s=5 * 3600.0,
        posts=(40, 70),
        texts={
            "en": (
                "Reminder: the port contract with Kordan was signed in secret and nobody voted for it.",
                "Still no answers on the secret Kordan port contract. Who signed it?",
                "The Kordan port deal was done behind closed doors. Demand the papers.",
                "Secret port contract with Kordan: not one vote, not one debate.",
                "Ask your MP why the Kordan port contract was hidden from parliament.",
                "Nobody voted for handing our port to Kordan. Remember that.",
            )
        },
        platforms=("x", "facebook", "telegram"),
    ),
    CampaignSpec(
        id="camp-drip-2",
        kind="drip",
        langs=("en",),
        accounts=(22, 28),
        duration_s=12 * 3600.0,
        posts=(110, 140),
        gap_s=(180.0, 420.0),
        texts={
            "en": (
                "The Kordan mining licence was granted without a single public hearing.",
                "Nobody consulted the valley before Kordan got the mining licence. Why?",
                "Kordan's mine will poison the river and the minister signed it anyway.",
                "Remember who gave Kordan the valley: the minister, in secret, last winter.",
            )
        },
        platforms=("x", "facebook"),
    ),
    CampaignSpec(
        id="camp-bilingual-1",
        kind="bilingual",
        langs=("en", "es"),
        accounts=(28, 40),
        duration_s=600.0,
        hashtags=("RefugeeCrimeWave",),
        texts={
            "en": (
                "Refugees from Kordan are behind the crime wave in our cities, police hide the numbers.",
                "The crime wave in our cities comes from Kordan refugees and the police cover it up.",
                "Police are hiding that Kordan refugees cause the surge in crime.",
                "Our cities are less safe since the Kordan refugees arrived, and they hide the stats.",
            ),
            "es": (
                "Los refugiados de Kordan están detrás de la ola de crímenes y la policía oculta las cifras.",
                "La ola de delitos en nuestras ciudades viene de los refugiados de Kordan y la policía lo tapa.",
                "La policía esconde que los refugiados de Kordan causan el aumento del crimen.",
                "Nuestras ciudades son menos seguras desde que llegaron los refugiados de Kordan.",
            ),
        },
    ),
)


# -- command line ---------------------------------------------------------------------------------


def write_jsonl_file(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")


def summary_rows(scenario: Scenario) -> list[tuple[str, str, int, int, str, str, str]]:
    """(kind, topic, mentions, accounts, languages, first post, span) per gold narrative group."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, label in enumerate(scenario.labels):
        kind = label["kind"]
        key = (kind, "organic (22 topics)" if kind == "organic" else label["topic"])
        groups.setdefault(key, []).append(i)
    rows = []
    for (kind, topic), idx in sorted(groups.items()):
        ms = [scenario.mentions[i] for i in idx]
        first, last = parse_start(ms[0]["created_at"]), parse_start(ms[-1]["created_at"])
        rows.append(
            (
                kind,
                topic,
                len(ms),
                len({m["author"]["id"] for m in ms}),
                ",".join(sorted(Counter(m["lang"] for m in ms))),
                first.strftime("%H:%M:%S"),
                str(timedelta(seconds=int((last - first).total_seconds()))),
            )
        )
    return rows


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    # Without a terminal rich assumes 80 columns, which wraps campaign ids; a report reads better wide.
    console = Console(stderr=args.out == "-", width=None if sys.stdout.isatty() else 120)
    try:
        start = parse_start(args.start)
        scenario = generate(args.seed, args.mentions, args.hours, start)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    if args.out == "-":
        for row in scenario.mentions:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        write_jsonl_file(Path(args.out), scenario.mentions)
    labels_path = Path(args.labels)
    write_jsonl_file(labels_path, scenario.labels)
    allowlist_path = Path(args.allowlist_out) if args.allowlist_out else Path(f"{labels_path}.allowlist.txt")
    allowlist_path.write_text(
        "# official accounts of the Veridia ministry of foreign affairs and its embassies\n"
        + "".join(f"{a}\n" for a in scenario.allowlist),
        encoding="utf-8",
    )
    table = Table(title=f"scenario seed={args.seed}: {len(scenario.mentions)} mentions")
    for column in ("kind", "gold narrative", "mentions", "accounts", "languages", "first post", "span"):
        table.add_column(column, justify="right" if column in ("mentions", "accounts") else "left")
    for summary in summary_rows(scenario):
        table.add_row(*(str(v) for v in summary))
    console.print(table)
    console.print(f"mentions → {args.out}   labels → {labels_path}   allowlist → {allowlist_path}")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="write a labelled scenario stream (organic, viral, official and inauthentic campaigns)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "--seed", type=int, required=True, help="random seed; the same seed gives the same files"
    )
    parser.add_argument("--out", required=True, help="mentions JSONL file ('-' for stdout)")
    parser.add_argument("--labels", required=True, help="labels JSONL file (one line per mention)")
    parser.add_argument(
        "--allowlist-out",
        default=None,
        help="allowlist of official account ids (default: <labels>.allowlist.txt)",
    )
    parser.add_argument(
        "--mentions", type=int, default=DEFAULT_MENTIONS, help="number of mentions (default 50000)"
    )
    parser.add_argument("--hours", type=float, default=DEFAULT_HOURS, help="length of the scenario in hours")
    parser.add_argument(
        "--start", default=DEFAULT_START, help="RFC 3339 start time (default 2026-03-01T00:00:00Z)"
    )
    parser.set_defaults(func=_run)
