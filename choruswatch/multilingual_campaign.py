"""An eight-language campaign for ``choruswatch simulate`` (issue 10), for the simulator to include.

One claim pushed at once in English, Spanish, French, Arabic, Farsi, Indonesian, Russian and Turkish
by 40 new accounts within 10 minutes, with no shared hashtag or link: only the meaning ties the posts
together, so only a model that maps the eight languages together finds one narrative. Each language
has an original, a paraphrase and a third wording, so the posts mix copies, rewordings and
translations (D3lta's three relations).

Hook-in (``choruswatch/simulate.py``, owned by the scenarios work): append
``multilingual_campaign_spec()`` to the campaign specs; the generic campaign path of
``_campaign`` handles its kind. The claim is not in ``tests/data`` (calibration data), so detecting it
is not helped by the thresholds having seen it.
"""

from __future__ import annotations

from choruswatch.simulate import CampaignSpec

__all__ = ["LANGUAGES", "multilingual_campaign_spec"]

LANGUAGES = ("en", "es", "fr", "ar", "fa", "id", "ru", "tr")

_TEXTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Kordan's health ministry is hiding a cholera outbreak in the capital. Hospitals are already full.",
        "There is cholera in Kordan's capital and the ministry is covering it up while the wards fill up.",
        "Hospitals in the capital are overflowing with cholera cases and Kordan's health ministry denies it.",
    ),
    "es": (
        "El ministerio de salud de Kordan oculta un brote de cólera en la capital. Los hospitales ya están llenos.",
        "Hay cólera en la capital de Kordan y el ministerio lo tapa mientras se llenan las salas.",
        "Los hospitales de la capital están desbordados por el cólera y el ministerio de Kordan lo niega.",
    ),
    "fr": (
        "Le ministère de la santé de Kordan cache une épidémie de choléra dans la capitale. Les hôpitaux sont déjà pleins.",
        "Il y a le choléra dans la capitale de Kordan et le ministère étouffe l'affaire pendant que les services se remplissent.",
        "Les hôpitaux de la capitale débordent de cas de choléra et le ministère de Kordan nie tout.",
    ),
    "ar": (
        "وزارة الصحة في كوردان تخفي تفشي الكوليرا في العاصمة. المستشفيات ممتلئة بالفعل.",
        "هناك كوليرا في عاصمة كوردان والوزارة تتستر على الأمر بينما تمتلئ الأجنحة بالمرضى.",
        "مستشفيات العاصمة مكتظة بحالات الكوليرا ووزارة الصحة في كوردان تنكر ذلك.",
    ),
    "fa": (
        "وزارت بهداشت کوردان شیوع وبا در پایتخت را پنهان می‌کند. بیمارستان‌ها همین حالا پر شده‌اند.",
        "در پایتخت کوردان وبا آمده و وزارتخانه آن را لاپوشانی می‌کند در حالی که بخش‌ها پر می‌شوند.",
        "بیمارستان‌های پایتخت از بیماران وبا لبریز شده‌اند و وزارت بهداشت کوردان انکار می‌کند.",
    ),
    "id": (
        "Kementerian kesehatan Kordan menyembunyikan wabah kolera di ibu kota. Rumah sakit sudah penuh.",
        "Ada kolera di ibu kota Kordan dan kementerian menutupinya sementara bangsal terus terisi.",
        "Rumah sakit di ibu kota kewalahan oleh kasus kolera dan kementerian kesehatan Kordan menyangkalnya.",
    ),
    "ru": (
        "Минздрав Кордана скрывает вспышку холеры в столице. Больницы уже переполнены.",
        "В столице Кордана холера, а министерство это замалчивает, пока палаты заполняются.",
        "Больницы столицы переполнены больными холерой, а минздрав Кордана всё отрицает.",
    ),
    "tr": (
        "Kordan sağlık bakanlığı başkentteki kolera salgınını saklıyor. Hastaneler şimdiden doldu.",
        "Kordan'ın başkentinde kolera var ve bakanlık koğuşlar dolarken bunu örtbas ediyor.",
        "Başkentteki hastaneler kolera vakalarıyla dolup taştı ve Kordan sağlık bakanlığı bunu inkâr ediyor.",
    ),
}


def multilingual_campaign_spec(campaign_id: str = "camp-multilingual-1") -> CampaignSpec:
    """40 new accounts, 10 minutes, one claim in eight languages, no hashtags or links."""
    return CampaignSpec(
        id=campaign_id,
        kind="multilingual",
        langs=LANGUAGES,
        accounts=(40, 40),
        duration_s=600.0,
        texts=dict(_TEXTS),
    )
