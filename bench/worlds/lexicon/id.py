"""Indonesian: Sarinda; informal Jakarta-style register ("wkwk", "gaes", "sih", "banget") and code-mixing."""

from bench.worlds.lexicon import EventText, LanguagePack, TopicText

PACK = LanguagePack(
    code="id",
    names="budi siti agus dewi rizky putri andi ayu fajar rina dimas nadia eko wulan bayu intan",
    surnames="santoso wijaya saputra pratama lestari hidayat kusuma nugroho rahayu",
    frames=(
        "hari ini semua orang ngomongin {np}",
        "ada yang bisa jelasin {np} dengan simpel?",
        "baca lagi soal {np}. {detail}",
        "{detail}",
        "{detail}. udah ketebak sih",
        "pendapatku soal {np}: ribet",
        "{np}: {detail}",
        "kok ga ada yang bahas {np}?",
        "bentar, {detail}??",
        "temenku yang kerja di situ bilang {detail}",
        "tiap buka aplikasi isinya {np} mulu",
        "{detail}, katanya sih",
        "jujur capek liat berita {np}",
    ),
    opinions=(
        "Ini konyol banget.",
        "Akhirnya kabar baik.",
        "Ga tau harus mikir apa.",
        "Kita layak dapet yang lebih baik.",
        "Pasti ga bakal berakhir baik.",
        "Udah ga kaget.",
        "Harus ada yang tanggung jawab.",
        "Tunggu faktanya dulu.",
        "Capek sama semua ini.",
        "Gila sih.",
        "Ngeri juga.",
    ),
    slang=("wkwk", "wkwkwk", "gaes", "anjir", "sih", "dong", "banget", "btw", "gapapa", "yaudah", "astaga"),
    daily=(
        "kopi ke-{n} padahal belum jam {hour}[, tolong| wkwk|, {name} ngetawain aku]",
        "macet parah, {m} menit ga gerak di [tol|flyover|jalan raya][, capek|, {name} udah nyampe jalan kaki]",
        "makan siang di [warteg|warung padang|kantin] sama {name}[, habis {n} ribu|, nambah {n} kali]",
        "ada yang masih melek jam {hour} pagi? [hari ke-{n} begini|{name} udah ngorok]",
        "[nasi gorengnya|telurnya|mie-nya] gosong, udah {n} kali minggu ini [wkwk|{name} ngelarang aku masak]",
        "butuh liburan banget, {n} hari lagi[, {name} ngerti kok|, semangat]",
        "besok hari pertama kerja di kantor baru, kata {name} pasti lancar[, pasang {n} alarm|, aamiin]",
        "uang kos naik {n}% lagi[, pusing|, {name} mau balik ke rumah ortu]",
        "hari ini {name} ulang tahun ke-{n}[, cepet banget waktu|, party jam {hour}]",
        "kucingku jatuhin [pot|gelas|lampu] lagi, udah {n} kali[ bulan ini|, {name} ketawa]",
        "{m} menit nyari [kunci|HP|kacamata] ternyata [di tangan|di kepala|di kulkas]",
        "makan malam di rumah {name}, [makanannya kebanyakan kayak biasa|ada {n} menu]",
        "hujan {n} hari berturut-turut[, jemuran ga kering-kering|, {name} beli jas hujan baru]",
        "baru selesai [baca buku|nonton series] dari {name}, [endingnya gila|{n} episode semalam]",
    ),
    asides=(
        "{name} udah bilang dari {n} hari lalu",
        "udah {n} bulan aku ngomong gini",
        "grup keluarga udah {n} chat bahas ini",
        "udah kubilangin ke {name}[ {n} kali|]",
        "baca ginian jam {hour} pagi[ bukannya tidur|]",
        "{n} hari lagi juga pada lupa",
        "{name} baru kirim ini {m} menit lalu",
        "[ibuku|bapakku|tetanggaku] bahas ini {n} kali hari ini",
    ),
    reactions=(
        "Ngeri banget.",
        "Turut berduka untuk keluarga korban.",
        "Berita yang sedih banget.",
        "Hati-hati semuanya.",
        "Ga percaya.",
        "Ya Allah.",
        "Semoga semua selamat.",
        "Ga bisa berkata-kata.",
        "Semoga cepat ditolong",
    ),
    replies=(
        "Setuju banget.",
        "Sumbernya?",
        "Bener banget",
        "Bukan gitu isi laporannya",
        "Kamu ga ngerti soal {np}",
        "Ini harus viral",
        "Mantap.",
        "Ga yakin sih",
        "Ada update?",
        "wkwk ga gitu",
        "Makasih udah share",
    ),
    rubrics=("TERKINI", "Analisis", "Yang kita tahu", "Sorotan", "Opini"),
    quote_comments=(
        "Wajib baca.",
        "Ini 👇",
        "Baca deh.",
        "Thread penting.",
        "Udah kubilang dari dulu.",
        "Share ya.",
    ),
    code_switch=("literally", "which is", "so sad", "healing", "random", "prefer", "overthinking", "btw"),
    sports_shouts=(
        "GOOOLLL!!! {player}!!!",
        "GOL CAKEP dari {player}",
        "{team} ke final, merinding",
        "{player} legenda",
        "Ayo {team}!!!",
        "gila pertandingannya",
        "wasitnya buta",
        "jantungan nonton ini",
    ),
    copypasta=(
        "Aku: malam ini tidur cepet. Aku jam 3 pagi: nonton video cara bikin pensil",
        "Copas kalau kamu inget zaman HP masih pakai tombol",
        "Aku ga bilang itu kucingnya, tapi itu kucingnya",
        "Share ini biar temen-temenmu tau kamu masih ada. Kebanyakan ga bakal share.",
    ),
    charity=(
        "Udah donasi buat warga {place}. Yang bisa bantu: {link}",
        "Penggalangan dana untuk {place} masih butuh bantuan, sekecil apapun berarti {link}",
        "Tolong disebar. Keluarga di {place} kehilangan semuanya. {link}",
    ),
    official=(
        "Hari ini kita merayakan #{tag}! {country} berterima kasih kepada para mitra di seluruh dunia.",
        "Dalam rangka #{tag}, kedutaan kami merayakan budaya dan warisan {country}.",
    ),
    attack_replies=(
        "{country} bohong lagi. Ga ada yang percaya.",
        "Memalukan, {country}.",
        "Hapus ini. Kalian ga punya hak.",
        "Pulang sana.",
        "Pembohong. Semua orang tau apa yang {country} lakukan.",
        "Pernyataan yang lucu",
    ),
    slant_frames=(
        "{np}? Kebohongan lagi dari elit. Bangun gaes.",
        "Kita dialihkan pakai {np} sementara mereka merampok kita.",
        "{np} itu cuma sandiwara. Ikuti uangnya.",
    ),
    link_comments=(
        "Baca sebelum dihapus",
        "Media ga bakal kasih tau ini",
        "Wajib baca",
        "Ini yang mereka sembunyikan",
    ),
    countries={"valdoria": "Valdoria", "lorvane": "Lorvane", "azmara": "Azmara", "tarsania": "Tarsania"},
    places={"flood-sarinda": "Kota Laras"},
    topics={
        "strait-talks": TopicText(
            nps=("konflik Selat Meridian", "sengketa selat", "masalah Valdoria sama Azmara"),
            details=(
                "Perundingan Selat Meridian dilanjutkan Senin",
                "Ongkos asuransi kapal di selat naik lagi",
            ),
            tags=("SelatMeridian",),
        ),
        "fuel-prices": TopicText(
            nps=("harga BBM", "harga bensin", "kenaikan BBM"),
            details=(
                "Isi full tank tadi pagi hampir dua kali lipat tahun lalu",
                "Antrean SPBU panjang banget",
                "Ojol mau demo soal harga BBM",
            ),
            tags=("BBMNaik",),
        ),
        "heatwave": TopicText(
            nps=("cuaca panas ini", "gelombang panas", "panasnya hari ini"),
            details=("Suhu di Kota Laras tembus 38 derajat", "Listrik padam di beberapa kecamatan"),
            tags=("CuacaPanas",),
        ),
        "football-cup": TopicText(
            nps=("Piala Kontinental", "pertandingan nanti malam", "final"),
            details=("Final Piala Kontinental hari Minggu", "Tiket final dijual sepuluh kali lipat"),
            tags=("PialaKontinental",),
        ),
        "novaxil-vaccine": TopicText(
            nps=("vaksin Novaxil", "Novaxil", "vaksinasi"),
            details=(
                "Pendaftaran Novaxil dibuka untuk usia 50 ke atas",
                "Ibuku udah vaksin Novaxil, cuma pegel lengan",
            ),
            tags=("Novaxil",),
        ),
        "phone-launch": TopicText(
            nps=("Orbis 9", "HP Orbis baru"),
            details=("Kamera malam Orbis 9 keren banget", "Pre-order Orbis 9 habis dalam dua jam"),
            tags=("Orbis9",),
        ),
        "sarinda-bill": TopicText(
            nps=("RUU Otonomi Kepulauan Lintang", "RUU Kepulauan", "rencana otonomi Lintang"),
            details=(
                "DPR Sarinda bahas RUU Kepulauan minggu ini",
                "Mahasiswa mau demo soal RUU Kepulauan",
                "RUU ini kasih anggaran sendiri buat Kepulauan Lintang",
            ),
            tags=("RUUKepulauan",),
        ),
    },
    events={
        "flood-sarinda": EventText(
            headlines=(
                "BREAKING: Banjir bandang landa Kota Laras, ribuan warga mengungsi",
                "Banjir putus akses jalan ke Kota Laras",
            ),
            reactions=(
                "Jalanan Kota Laras udah kayak sungai",
                "Semoga warga Kota Laras selamat semua",
                "Tiap tahun banjir dan ga ada yang berubah",
            ),
            tags=("BanjirKotaLaras",),
        ),
    },
    claims={
        "strait-mines": (
            "Angkatan laut Azmara [diam-diam|secara rahasia] pasang ranjau di Selat Meridian [semalam|minggu ini]."
            " [Mereka ga bakal ngaku.|Media diam aja.]",
            "[Sumber|Nelayan] [bilang|mengonfirmasi] Azmara [menebar|memasang] ranjau di selat. [Kapal dalam bahaya.]",
        ),
        "vote-ballots": (
            "[Kotak|Karung] surat suara [dibakar|terbakar] ditemukan di Belcourt. [Pemilu dicuri.|Ini curang.]",
            "Surat suara [dibakar|dimusnahkan] di belakang TPS di Belcourt. [Kecurangan terang-terangan.]",
        ),
        "vax-infertility": (
            "[Novaxil|Vaksin Novaxil] [bikin|menyebabkan] [mandul|kemandulan] pada [perempuan muda|cewek]."
            " [Dokter dibungkam.|Lindungi anak perempuanmu.]",
            "[Perawat|Dokter] [memperingatkan|ngaku] Novaxil [merusak kesuburan|bikin perempuan mandul].",
        ),
        "vax-deaths": (
            "Kematian di uji coba Novaxil [ditutupi|disembunyikan]. [Tanya Helix.|Datanya palsu.]",
            "[Helix Biotech|Pabrik vaksinnya] [menyembunyikan|menutupi] kematian relawan uji coba Novaxil.",
        ),
        "grain-weapons": (
            "Kapal [gandum|biji-bijian] dari Vostrava [menyelundupkan|bawa] [senjata|rudal]. [Ga ada yang periksa.]",
            "[Senjata|Amunisi] disembunyikan di bawah gandum di kapal Vostrava.",
        ),
        # The Indonesian hashtag flood (QUT toolkit issue 54): many different sentences, one tag set.
        "sarinda-sell": (
            "[RUU ini|RUU Kepulauan|Rencana ini] [menjual|jual] [pulau kita|Kepulauan Lintang|tanah air] ke [asing"
            "|investor asing|pihak luar]. [Tolak!|Jangan diam!|Bangkit Sarinda!]",
            "[Jangan|Jgn] [biarkan|mau] [Lintang|pulau kita] [dijual|diserahkan] ke [asing|orang luar]."
            " [Suarakan!|Ayo bergerak!]",
            "[Warga|Rakyat] Sarinda [menolak|ga setuju sama] RUU [yang memecah|pemecah] bangsa. [Bersatu!|Lawan!]",
            "[Siapa|Siapa sebenarnya] yang untung dari RUU Kepulauan? [Bukan rakyat.|Pasti asing.] [Tolak"
            " sekarang.|Bangun Sarinda.]",
        ),
    },
)
