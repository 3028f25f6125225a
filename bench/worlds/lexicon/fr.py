"""French: Lorvane (familiar register, "franchement", "mdr", verlan)."""

from bench.worlds.lexicon import EventText, LanguagePack, TopicText

PACK = LanguagePack(
    code="fr",
    names="julie thomas camille nicolas manon antoine lea hugo chloe maxime sarah lucas ines theo clara remi",
    surnames="martin bernard dubois moreau laurent girard bonnet lambert fontaine rousseau mercier blanc",
    frames=(
        "On ne parle que de {np} [aujourd'hui|cette semaine|au boulot]",
        "quelqu'un peut m'expliquer {np} [simplement|sans jargon] ?",
        "Je relis tout sur {np} [dans le métro|au taf|]. {detail}",
        "{detail}",
        "{detail}. [Sans surprise|On l'avait vu venir|Évidemment]",
        "franchement {np} ça commence à [bien faire|me fatiguer]",
        "mon avis sur {np} : [c'est compliqué|personne n'en sort grandi]",
        "{np} : {detail}",
        "pourquoi [personne|aucun média] ne parle de {np} ?",
        "attendez, {detail} ??",
        "[un pote|ma cousine|une collègue] qui [bosse dans le secteur|suit ça de près] dit que {detail}",
        "thread sur {np} 🧵",
        "À chaque fois que j'ouvre [l'appli|mon téléphone] c'est {np}",
        "{detail}, d'après la presse",
    ),
    opinions=(
        "C'est n'importe quoi.",
        "Enfin une bonne nouvelle.",
        "Je ne sais pas quoi en penser.",
        "On mérite mieux.",
        "Ça va mal finir.",
        "Pas surpris.",
        "Quelqu'un doit rendre des comptes.",
        "Attendons les faits.",
        "J'en ai marre.",
        "Hallucinant.",
        "Inquiétant.",
        "Bref.",
    ),
    slang=("mdr", "ptdr", "franchement", "bref", "wesh", "grave", "genre", "jpp", "ouf", "bon"),
    daily=(
        "café numéro {n} et il n'est même pas {hour}h[, à l'aide| mdr|. {name} me juge]",
        "le RER encore en retard, {m} minutes sur le quai[, quelle surprise|, je craque]",
        "dimanche [raclette|couscous|crêpes] chez {name}[, on était {n}|, j'ai mangé pour {n}]",
        "quelqu'un d'autre réveillé à {hour}h du mat ? [jour {n}|{name} ronfle|mon cerveau refuse]",
        "salle de sport à {hour}h avec {name}[, je me reconnais plus|, jour {n}]",
        "j'ai raté mes crêpes, {n} d'affilée [mdr|{name} se moque|bref]",
        "{m} minutes de bouchons sur le [périph|la rocade|l'autoroute], [la folie|{name} est déjà arrivé à pied]",
        "besoin de vacances, encore {n} jours à tenir[, {name} comprend|, courage]",
        "premier jour au nouveau taf demain, {name} dit que ça va bien se passer[, {n} réveils réglés|. on verra]",
        "le loyer a pris {n}%, [c'est n'importe quoi|{name} repart chez ses parents|génial]",
        "{name} a {n} ans aujourd'hui[, le temps passe trop vite|, fête à {hour}h|, le gâteau est prêt]",
        "le chat a encore renversé [ma plante|un verre|la lampe], la {n}e fois[ ce mois-ci|. {name} rigole]",
        "{m} minutes à chercher mes [clés|lunettes|le téléphone], [elles étaient dans ma main|c'était dans le frigo]",
        "dîner chez {name}, [beaucoup trop de nourriture comme d'hab|{n} plats|sa fameuse lasagne]",
        "{n}e jour de pluie d'affilée[, évidemment|. {name} a acheté un kayak]",
        "fini [le livre|la série] que {name} m'a [prêté|conseillé], [cette fin|{n} épisodes d'un coup]",
    ),
    asides=(
        "{name} l'avait [dit|prédit] il y a {n} jours",
        "je le dis depuis {n} mois",
        "le groupe de la famille a {n} messages là-dessus",
        "je l'avais dit à {name}[, {n} fois|]",
        "lire ça à {hour}h du mat[ au lieu de dormir|]",
        "dans {n} jours plus personne n'en parle",
        "{name} me l'a envoyé il y a {m} minutes",
        "[ma mère|mon père|ma voisine] en a parlé {n} fois aujourd'hui",
    ),
    reactions=(
        "C'est horrible.",
        "Pensées pour les familles.",
        "Quelle tristesse.",
        "Prenez soin de vous.",
        "Je n'arrive pas à y croire.",
        "Terrible.",
        "Mon Dieu.",
        "Pourvu que tout le monde aille bien.",
        "Pas de mots.",
        "Ça fait peur",
    ),
    replies=(
        "Exactement.",
        "Source ?",
        "Tout à fait d'accord",
        "Ce n'est pas ce que dit le rapport",
        "Tu n'as rien compris à {np}",
        "Il faut en parler plus",
        "Bien dit.",
        "Pas sûr",
        "Des nouvelles ?",
        "mdr non",
        "Merci du partage",
        "Avec tout le respect, non.",
    ),
    rubrics=("DIRECT", "Analyse", "Ce que l'on sait", "Décryptage", "Info", "Tribune"),
    quote_comments=(
        "À lire.",
        "Ça 👇",
        "Lisez ça.",
        "Thread important.",
        "Je le dis depuis des mois.",
        "Je partage.",
    ),
    code_switch=("cool", "random", "cringe", "ok", "fake news", "crush", "spoiler", "chill"),
    sports_shouts=(
        "BUUUUT !!! {player} !!!",
        "QUEL BUT de {player}",
        "{team} en finale, je tremble",
        "{player} t'es une légende",
        "Allez {team} !!!",
        "quel match de fou",
        "l'arbitre est aveugle",
        "je vais faire une crise cardiaque",
        "OUIIIII",
    ),
    copypasta=(
        "Moi : ce soir je me couche tôt. Aussi moi à 3h : une vidéo sur la fabrication des crayons",
        "Copiez-collez si vous vous souvenez des téléphones à clapet",
        "Je ne dis pas que c'est le chat, mais c'est le chat",
    ),
    charity=(
        "J'ai fait un don pour {place}. Si vous pouvez : {link}",
        "La collecte pour {place} a besoin d'aide, chaque euro compte {link}",
        "Partagez svp. Les familles de {place} ont tout perdu. {link}",
    ),
    official=(
        "Aujourd'hui, c'est la #{tag} ! {country} remercie ses partenaires pour leur amitié.",
        "À l'occasion de la #{tag}, notre ambassade célèbre la culture et le patrimoine de {country}.",
        "#{tag} : {country} réaffirme son attachement au dialogue et à la coopération.",
    ),
    attack_replies=(
        "{country} ment encore. Personne ne vous croit.",
        "Honte à {country}.",
        "Supprimez ça. {country} n'a aucune leçon à donner.",
        "Rentrez chez vous.",
        "Menteurs. Tout le monde voit ce que fait {country}.",
        "Quelle blague ce communiqué",
        "Combien on vous a payé pour écrire ça ?",
        "Assez de propagande, {country}.",
    ),
    slant_frames=(
        "{np} ? Encore un mensonge des élites. Réveillez-vous.",
        "Ils nous occupent avec {np} pendant qu'ils nous volent.",
        "{np}, c'est du théâtre. Suivez l'argent.",
        "Les médias ne vous diront jamais la vérité sur {np}.",
    ),
    link_comments=(
        "Lisez avant que ce soit supprimé",
        "Ce que les médias ne montrent pas",
        "À lire absolument",
        "Voilà ce qu'on vous cache",
        "Partagez avant la censure",
        "La vérité éclate",
    ),
    countries={
        "valdoria": "la Valdorie",
        "lorvane": "le Lorvane",
        "azmara": "l'Azmara",
        "tarsania": "la Tarsanie",
    },
    places={"quake-halwan": "Halwan"},
    topics={
        "strait-talks": TopicText(
            nps=("le détroit de Meridian", "la crise du détroit", "le conflit entre la Valdorie et l'Azmara"),
            details=(
                "Les négociations sur le détroit reprennent lundi à Port Ellis",
                "Les pêcheurs disent que leurs prises ont diminué de moitié",
                "L'assurance des navires qui passent le détroit a encore augmenté",
            ),
            tags=("DetroitMeridian",),
        ),
        "fuel-prices": TopicText(
            nps=("le prix de l'essence", "les carburants", "le prix à la pompe"),
            details=(
                "J'ai fait le plein ce matin, presque le double de l'an dernier",
                "Le gazole a encore pris 6 centimes",
                "Des files d'attente partout aux stations",
            ),
            tags=("Carburants",),
        ),
        "heatwave": TopicText(
            nps=("la canicule", "cette chaleur", "l'alerte canicule"),
            details=(
                "39 degrés à Belcourt et les trains roulent au ralenti",
                "Météo Lorvane prolonge la vigilance canicule jusqu'à vendredi",
                "Nuit la plus chaude jamais mesurée paraît-il",
            ),
            tags=("Canicule",),
        ),
        "football-cup": TopicText(
            nps=("la Coupe continentale", "la finale", "le match de ce soir"),
            details=(
                "Le Lorvane affronte Marvela en finale dimanche",
                "Luc Moreau est incertain pour la finale",
                "Les billets pour la finale se revendent dix fois leur prix",
            ),
            tags=("CoupeContinentale",),
        ),
        "novaxil-vaccine": TopicText(
            nps=("le vaccin Novaxil", "Novaxil", "la campagne de vaccination"),
            details=(
                "Les rendez-vous Novaxil ouvrent pour les plus de 50 ans",
                "Ma mère a eu sa dose de Novaxil, juste mal au bras",
                "L'agence de santé a publié les données de l'essai Novaxil",
            ),
            tags=("Novaxil",),
        ),
        "phone-launch": TopicText(
            nps=("l'Orbis 9", "le nouvel Orbis", "la sortie de l'Orbis 9"),
            details=(
                "L'appareil photo de l'Orbis 9 est bluffant de nuit",
                "Toujours pas de chargeur dans la boîte de l'Orbis 9",
                "Les précommandes de l'Orbis 9 sont parties en deux heures",
            ),
            tags=("Orbis9",),
        ),
        "lorvane-election": TopicText(
            nps=("la présidentielle", "l'élection au Lorvane", "le duel Marchetti-Devaux", "le second tour"),
            details=(
                "Marchetti devance Devaux de deux points dans le dernier sondage",
                "Le débat Marchetti-Devaux a lieu ce soir",
                "La participation au premier tour est la plus forte depuis vingt ans",
                "Les observateurs disent que le dépouillement à Belcourt s'est bien passé",
            ),
            tags=("Presidentielle2026", "Lorvane2026"),
        ),
    },
    events={
        "belcourt-blackout": EventText(
            headlines=(
                "DIRECT : panne d'électricité géante à Belcourt, le métro à l'arrêt",
                "Belcourt plongée dans le noir, le métro évacué",
            ),
            reactions=(
                "Des gens coincés dans le métro de Belcourt, flippant",
                "Tout Belcourt dans le noir, irréel",
                "Courage aux agents qui évacuent le métro de Belcourt",
            ),
            tags=("PanneBelcourt",),
        ),
        "quake-halwan": EventText(
            headlines=("Fort séisme à Halwan, en Qadira, des immeubles effondrés",),
            reactions=("Les images de Halwan sont terrifiantes", "Solidarité avec Halwan"),
            tags=("SeismeHalwan",),
        ),
    },
    claims={
        "strait-mines": (
            "La marine [azmarie|de l'Azmara] a [miné|posé des mines dans] le détroit de Meridian [cette nuit|cette"
            " semaine]. [Ils ne l'avoueront jamais.|Les médias se taisent.]",
            "[Des sources|Des pêcheurs] [confirment|affirment] que l'Azmara a [posé|largué] des mines dans le détroit."
            " [Les navires sont en danger.|Personne n'est en sécurité.]",
        ),
        "vote-ballots": (
            "Des [cartons|sacs] de bulletins [brûlés|détruits] ont été retrouvés à Belcourt. [L'élection est volée."
            "|C'est une fraude.]",
            "[Bulletins|Votes] [brûlés|détruits] [à Belcourt|derrière un bureau de vote de Belcourt]. [La fraude en"
            " plein jour.|L'élection est truquée.]",
        ),
        "vote-dead": (
            "[Des milliers de|Des centaines de] morts ont voté Marchetti. [Vérifiez les listes.|Incroyable.]",
            "Les listes électorales sont pleines de [morts|défunts] et [ils ont tous|curieusement ils ont] voté"
            " Marchetti.",
        ),
        "vote-machines": (
            "Les machines de [dépouillement|comptage] ont été [piratées|manipulées] [depuis l'étranger|par des agents"
            " étrangers].",
            "[Des hackers étrangers|Des agents étrangers] ont [pris le contrôle des|infiltré les] machines de"
            " comptage. [Le résultat est faux.|Ne croyez pas le décompte.]",
        ),
        "vote-postal": (
            "Les votes par correspondance du [sud|monde rural] ont été [retardés|bloqués] [exprès|volontairement]"
            " pour [aider Marchetti|nuire à Devaux].",
        ),
        "vax-infertility": (
            "Le [Novaxil|vaccin Novaxil] [rend stériles|provoque l'infertilité chez] les [jeunes femmes|filles]."
            " [On fait taire les médecins.|Protégez vos filles.]",
            "Des [infirmières|médecins] [alertent|admettent] : le Novaxil [abîme la fertilité|rend les femmes"
            " stériles]. [Partagez.|Ne le faites pas.]",
        ),
        "vax-deaths": (
            "On a [caché|étouffé|dissimulé] les morts de l'essai Novaxil. [Demandez à Helix.|Les données sont"
            " fausses.]",
            "[Helix Biotech|Le laboratoire] a [caché|étouffé] des [décès|morts] [dans l'essai|parmi les volontaires]"
            " du Novaxil.",
        ),
        "grain-weapons": (
            "Les [navires céréaliers|bateaux de grain] de Vostrava [transportent|cachent] des [armes|missiles]."
            " [Personne ne contrôle.|C'est une couverture.]",
            "Des [armes|munitions] cachées [sous le grain|dans les cales] des navires de Vostrava.",
        ),
    },
)
