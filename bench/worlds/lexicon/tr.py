"""Turkish: Tarsania; casual posts ("valla", "kanka", "ahahah") beside headline style."""

from bench.worlds.lexicon import EventText, LanguagePack, TopicText

PACK = LanguagePack(
    code="tr",
    names="mehmet ayse emre zeynep burak elif can merve kerem selin mert deniz oguz ece",
    surnames="yilmaz kaya demir sahin celik aydin ozturk arslan dogan kilic",
    frames=(
        "bugün herkes {np} konuşuyor",
        "biri bana {np} olayını basitçe anlatabilir mi?",
        "yine {np} hakkında okuyorum. {detail}",
        "{detail}",
        "{detail}. Hiç şaşırmadım",
        "{np} hakkında fikrim: karışık",
        "{np}: {detail}",
        "neden kimse {np} hakkında konuşmuyor?",
        "bi dakika, {detail}??",
        "işin içinde olan bir arkadaş diyor ki {detail}",
        "uygulamayı her açtığımda {np}",
        "{detail}, haberlere göre",
        "valla {np} yordu artık",
    ),
    opinions=(
        "Bu saçmalık.",
        "Sonunda iyi bir haber.",
        "Ne düşüneceğimi bilmiyorum.",
        "Daha iyisini hak ediyoruz.",
        "Bu iyi bitmeyecek.",
        "Hiç şaşırmadım.",
        "Birinin hesap vermesi lazım.",
        "Önce gerçekleri bekleyelim.",
        "Bıktım artık.",
        "İnanılmaz.",
        "Endişe verici.",
    ),
    slang=("valla", "kanka", "ahahah", "ya", "yani", "off", "aynen", "cidden", "lan", "of ya"),
    daily=(
        "üçüncü kahve ve saat daha 10 olmadı",
        "köprüde trafik felaket",
        "pazar kahvaltısı ailece",
        "bu hafta uyuyamayan başka kimse var mı?",
        "pazartesi, kimse konuşmasın",
        "menemeni yaktım ahahah",
        "acilen tatil lazım",
        "yine yağmur",
        "yarın yeni işte ilk gün, şans dileyin",
        "kedi yine saksıyı devirdi",
    ),
    reactions=(
        "Korkunç.",
        "Ailelerin başı sağ olsun.",
        "Çok üzücü bir haber.",
        "Herkes dikkatli olsun.",
        "İnanamıyorum.",
        "Berbat.",
        "Allah kahretsin.",
        "Umarım herkes iyidir.",
        "Söz bitti.",
        "Geçmiş olsun",
    ),
    replies=(
        "Aynen öyle.",
        "Kaynak?",
        "Kesinlikle katılıyorum",
        "Raporda öyle yazmıyor",
        "{np} olayını hiç anlamamışsın",
        "Bu daha çok konuşulmalı",
        "Güzel demişsin.",
        "Emin değilim",
        "Yeni bilgi var mı?",
        "ahahah yok artık",
        "Paylaştığın için sağ ol",
    ),
    quote_comments=("Okumaya değer.", "Bu 👇", "Şunu okuyun.", "Önemli flood.", "Aylardır söylüyorum."),
    code_switch=("ok", "literally", "random", "cringe", "sorry", "chill", "mood"),
    sports_shouts=(
        "GOOOOL!!! {player}!!!",
        "{player} ne gol attı",
        "{team} finalde, titriyorum",
        "{player} efsane",
        "Hadi {team}!!!",
        "ne maç ama",
        "hakem kör mü",
        "kalp krizi geçireceğim",
    ),
    copypasta=(
        "Ben: bu gece erken yatıcam. Yine ben gece 3'te: kalem nasıl yapılır videosu izliyorum",
        "Tuşlu telefonları hatırlıyorsan kopyala yapıştır",
        "Kedi yaptı demiyorum ama kedi yaptı",
        "Bunu paylaş ki arkadaşların hâlâ burada olduğunu bilsin. Çoğu paylaşmayacak.",
    ),
    charity=(
        "{place} için bağış yaptım. Yapabilen: {link}",
        "{place} yardım kampanyasına destek olun, her kuruş önemli {link}",
        "Lütfen paylaşın. {place} halkı her şeyini kaybetti. {link}",
    ),
    official=(
        "Bugün #{tag} kutluyoruz! {country} dünyadaki tüm dostlarına teşekkür eder.",
        "#{tag} vesilesiyle büyükelçiliğimiz {country} kültürünü ve mirasını kutluyor.",
        "#{tag}: {country} diyaloğa ve işbirliğine bağlılığını yineliyor.",
    ),
    attack_replies=(
        "{country} yine yalan söylüyor. Kimse inanmıyor.",
        "Yazıklar olsun {country}.",
        "Silin bunu. Hakkınız yok.",
        "Evinize dönün.",
        "Yalancılar. Herkes {country} ne yaptığını görüyor.",
        "Komik bir açıklama",
    ),
    slant_frames=(
        "{np} mı? Elitlerin yeni yalanı. Uyanın.",
        "Bizi {np} ile oyalıyorlar, bu arada soyuyorlar.",
        "{np} tamamen tiyatro. Paranın peşine düşün.",
        "Medya size {np} hakkında asla gerçeği söylemeyecek.",
    ),
    link_comments=("Silinmeden okuyun", "Medyanın göstermediği", "Mutlaka okuyun", "Sizden saklanan bu"),
    countries={"valdoria": "Valdorya", "lorvane": "Lorvan", "azmara": "Azmara", "tarsania": "Tarsanya"},
    places={"quake-halwan": "Halvan", "tarsa-bridge": "Kaleköy"},
    topics={
        "strait-talks": TopicText(
            nps=("Meridyen Boğazı krizi", "boğaz anlaşmazlığı", "Valdorya ile Azmara meselesi"),
            details=(
                "Boğaz görüşmeleri pazartesi yeniden başlıyor",
                "Boğazdan geçen gemilerin sigortası yine arttı",
            ),
            tags=("MeridyenBoğazı",),
        ),
        "fuel-prices": TopicText(
            nps=("benzin fiyatları", "akaryakıt zammı", "mazot"),
            details=(
                "Sabah depoyu doldurdum, geçen yılın neredeyse iki katı",
                "Motorine gece yine zam geldi",
            ),
            tags=("AkaryakıtZammı",),
        ),
        "heatwave": TopicText(
            nps=("bu sıcaklar", "sıcak hava dalgası"),
            details=("Kaleköy'de hava 40 derece", "Meteoroloji sıcak hava uyarısını cumaya kadar uzattı"),
            tags=("SıcakHava",),
        ),
        "football-cup": TopicText(
            nps=("Kıta Kupası", "bu akşamki maç", "final"),
            details=("Emre Aksoy sakatlıktan döndü", "Kıta Kupası finali pazar günü"),
            tags=("KıtaKupası",),
        ),
        "novaxil-vaccine": TopicText(
            nps=("Novaxil aşısı", "Novaxil", "aşı kampanyası"),
            details=("50 yaş üstü için Novaxil randevuları açıldı", "Annem Novaxil oldu, sadece kolu ağrıdı"),
            tags=("Novaxil",),
        ),
        "phone-launch": TopicText(
            nps=("Orbis 9", "yeni Orbis telefon"),
            details=("Orbis 9'un gece kamerası çok iyi", "Orbis 9'un fiyatı bir araba parası"),
            tags=("Orbis9",),
        ),
        "kestrel-dam": TopicText(
            nps=("Kestrel Barajı", "Tavra'daki baraj"),
            details=(
                "Kestrel Barajı baharda su tutmaya başlayacak",
                "Parsavan baraj öncesi su anlaşması istiyor",
                "Mühendisler küçük depremden sonra barajı inceliyor",
            ),
            tags=("KestrelBarajı",),
        ),
        "vostrava-grain": TopicText(
            nps=("tahıl koridoru", "Vostrava tahıl anlaşması"),
            details=("İlk tahıl gemileri limana ulaştı", "Müfettişler her gemiyi limanda kontrol edecek"),
            tags=("TahılKoridoru",),
        ),
    },
    events={
        "tarsa-bridge": EventText(
            headlines=(
                "SON DAKİKA: Kaleköy'de köprü çöktü, araçlar nehre düştü",
                "Kaleköy köprüsü mesai saatinde çöktü",
            ),
            reactions=(
                "Dün o köprüden geçtim, tüylerim diken diken",
                "2026'da köprü nasıl çöker ya",
                "Kaleköy'deki herkese geçmiş olsun",
            ),
            tags=("KaleköyKöprüsü",),
        ),
        "quake-halwan": EventText(
            headlines=("Kadira'nın Halvan kentinde 6.8 büyüklüğünde deprem",),
            reactions=("Halvan'dan gelen görüntüler korkunç", "Halvan için dua ediyoruz"),
            tags=("HalvanDepremi",),
        ),
        "refinery-fire": EventText(
            headlines=("Vostrava'da Kamsk rafinerisinde büyük yangın",),
            reactions=("Kamsk'taki işçiler için endişeliyim",),
            tags=("KamskYangını",),
        ),
    },
    claims={
        "strait-mines": (
            "Azmara donanması [dün gece|bu hafta] [gizlice|sessizce] Meridyen Boğazı'na mayın döşedi."
            " [Asla itiraf etmeyecekler.|Medya susuyor.]",
            "[Kaynaklar|Balıkçılar] Azmara'nın boğaza mayın [bıraktığını|döşediğini] [doğruluyor|söylüyor]."
            " [Gemiler tehlikede.]",
        ),
        "vote-ballots": (
            "Belcourt'ta [kutular|çuvallar] dolusu yakılmış oy pusulası bulundu. [Seçim çalındı.|Bu hile.]",
            "Belcourt'ta bir sandık merkezinin arkasında [yakılmış|imha edilmiş] oy pusulaları. [Açık açık hile.]",
        ),
        "vax-infertility": (
            "[Novaxil|Novaxil aşısı] genç kadınlarda kısırlığa [yol açıyor|neden oluyor]. [Doktorlar susturuluyor."
            "|Kızlarınızı koruyun.]",
            "[Hemşireler|Doktorlar] [uyarıyor|itiraf ediyor]: Novaxil doğurganlığa [zarar veriyor|son veriyor].",
        ),
        "vax-deaths": (
            "Novaxil denemesindeki ölümler [gizlendi|örtbas edildi]. [Helix'e sorun.|Veriler sahte.]",
            "[Helix Biotech|Üretici firma] Novaxil gönüllüleri arasındaki ölümleri [sakladı|örtbas etti].",
        ),
        "grain-weapons": (
            "Vostrava'dan gelen tahıl gemileri [silah|füze] [kaçırıyor|taşıyor]. [Kimse kontrol etmiyor.]",
            "Vostrava gemilerinde tahılın altına [silah|mühimmat] [saklanmış|gizlenmiş].",
        ),
    },
)
