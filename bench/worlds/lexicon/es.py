"""Spanish: Marvela (Latin American register, "wey", "neta") and Sancara (peninsular, "tío", "flipar")."""

from bench.worlds.lexicon import EventText, LanguagePack, TopicText

PACK = LanguagePack(
    code="es",
    names="maria jose lucia carlos sofia diego valeria javi camila pablo ana miguel paula andres laura sergio elena raul",
    surnames="garcia lopez martinez ruiz torres navarro romero vega castro ortega molina ramos herrera",
    frames=(
        "No se habla de otra cosa que de {np} [hoy|esta semana|en mi casa]",
        "alguien me explica {np}? no entiendo [nada|ni la mitad]",
        "[Leyendo|Otra vez leyendo] sobre {np} [en el trabajo|en el metro|]. {detail}",
        "{detail}",
        "{detail}. [Quién lo diría|Era de esperarse|Lo veía venir]",
        "Lo de {np} ya [cansa|aburre|no se aguanta]",
        "mi [opinión|humilde opinión] sobre {np}: [es complicado|nadie sale bien parado]",
        "{np}: {detail}",
        "por qué [nadie|ningún medio] habla de {np}?",
        "ojo, {detail}",
        "me dice [un amigo|mi primo|una colega] que {detail}",
        "hilo sobre {np} 🧵",
        "Cada vez que abro [la app|el celular|las noticias] sale {np}",
        "mi [papá|mamá|tío] no para de hablar de {np} en [la comida|la cena]",
        "{detail}, según la prensa",
        "alguien tiene una fuente [seria|confiable] sobre {np}?",
    ),
    opinions=(
        "Esto es una vergüenza.",
        "Por fin una buena noticia.",
        "No sé qué pensar.",
        "Nos merecemos algo mejor.",
        "Esto no va a terminar bien.",
        "Qué tiempos.",
        "No me sorprende.",
        "Alguien tiene que responder.",
        "Esperemos a ver los datos.",
        "Estoy harta de todo esto.",
        "Increíble.",
        "Da miedo, la verdad.",
    ),
    slang=("jajaja", "neta", "wey", "tío", "jaja", "xd", "ufff", "bueno", "o sea", "la verdad", "alv"),
    daily=(
        "[café|cafecito] número {n} y no son ni las {hour}[, ayuda| jaja|. {name} me juzga]",
        "el metro parado otra vez, {m} minutos [esperando|en el andén][, qué novedad|. ya ni me enojo]",
        "domingo de [paella|asado|tamales] en casa de {name}[, éramos {n}|, comí por {n}]",
        "alguien más despierto a las {hour} de la mañana? [día {n} así|{name} ronca|no puedo dormir]",
        "hoy toca gimnasio a las {hour} con {name}[, sin excusas|, día {n}]",
        "se me quemaron las [tortillas|tostadas|arepas], van {n} esta semana [jaja|uff|{name} no me deja cocinar]",
        "{m} minutos en el tráfico de la [avenida|autopista|circunvalación], [imposible|qué desesperación|{name} ya llegó caminando]",
        "necesito vacaciones YA, faltan {n} días[, {name} me entiende| y cuento]",
        "mañana empiezo en el trabajo nuevo, {name} dice que me irá bien[, puse {n} alarmas|. ojalá]",
        "el alquiler subió un {n}%, [no se puede vivir así|{name} se vuelve al pueblo|qué maravilla]",
        "hoy {name} cumple {n} años[, qué rápido pasa el tiempo|, fiesta a las {hour}|, ya tengo el pastel]",
        "mi gato tiró [la planta|un vaso|la lámpara] otra vez, ya van {n}[ este mes|. {name} se ríe]",
        "{m} minutos buscando [las llaves|el celular|los lentes] y estaban [en mi mano|en mi cabeza|en la nevera]",
        "cena en casa de {name}, [como siempre sobró comida|{n} platos|hizo su lasaña famosa]",
        "llevo {n} días seguidos con lluvia[, ya basta|. {name} compró un kayak]",
        "terminé [el libro|la serie] que me [prestó|recomendó] {name}, [qué final|{n} capítulos en una noche]",
    ),
    asides=(
        "{name} ya lo [había dicho|venía diciendo] hace {n} días",
        "llevo {n} meses [diciéndolo|avisando]",
        "el grupo de la familia tiene {n} mensajes sobre esto",
        "se lo dije a {name}[ {n} veces|]",
        "leyendo esto a las {hour} de la mañana[ en vez de dormir|]",
        "en {n} días nadie se acuerda",
        "{name} me lo mandó hace {m} minutos",
        "[mi mamá|mi papá|mi vecina] lo sacó {n} veces hoy",
    ),
    reactions=(
        "Qué horror.",
        "Mucha fuerza a las familias.",
        "Qué noticia tan triste.",
        "Cuídense mucho.",
        "No lo puedo creer.",
        "Terrible.",
        "Dios mío.",
        "Ojalá estén todos bien.",
        "Sin palabras.",
        "Qué miedo",
        "Que lleguen rápido los rescatistas",
    ),
    replies=(
        "Exacto.",
        "Fuente?",
        "Totalmente de acuerdo",
        "Eso no es lo que dice el informe",
        "No entiendes nada de {np}",
        "Esto necesita más difusión",
        "Bien dicho.",
        "No estoy seguro",
        "Alguna novedad?",
        "jajaja no",
        "Gracias por compartir",
        "Tal cual",
        "Con respeto, no.",
    ),
    rubrics=("ÚLTIMA HORA", "EN VIVO", "Análisis", "Lo que sabemos", "Claves", "Opinión"),
    quote_comments=(
        "Vale la pena leerlo.",
        "Esto 👇",
        "Lean esto.",
        "Hilo importante.",
        "Lo vengo diciendo hace meses.",
        "Comparto para que se vea.",
        "Interesante.",
    ),
    code_switch=("literally", "random", "cringe", "crush", "spoiler", "ok", "fake news", "sorry"),
    sports_shouts=(
        "GOOOOOOL!!! {player}!!!",
        "QUÉ GOLAZO de {player}",
        "{team} a la final, estoy temblando",
        "{player} eres una leyenda",
        "GOOOL DE {team}!!!",
        "Vamos {team}!!!",
        "no puede ser, qué partido",
        "el árbitro está ciego",
        "me va a dar un infarto con este partido",
        "SIIIIII",
    ),
    copypasta=(
        "Yo: hoy me duermo temprano. También yo a las 3am: viendo videos de cómo se hacen los lápices",
        "Copia y pega si te acuerdas de cuando los celulares tenían botones",
        "No digo que fue el gato, pero fue el gato",
        "Comparte esto para que tus amigos sepan que sigues aquí. La mayoría no lo hará.",
    ),
    charity=(
        "Ya doné para ayudar a {place}. Si pueden, aporten: {link}",
        "El fondo para {place} necesita ayuda, todo suma {link}",
        "Por favor compartan. Las familias de {place} lo perdieron todo. {link}",
    ),
    official=(
        "¡Hoy celebramos el #{tag}! {country} agradece a sus socios en el mundo por su amistad.",
        "En el #{tag}, nuestra embajada celebra la cultura y el patrimonio de {country}.",
        "#{tag}: {country} reafirma su compromiso con el diálogo y la cooperación.",
    ),
    attack_replies=(
        "{country} miente otra vez. Nadie les cree.",
        "Vergüenza para {country}.",
        "Borren esto. {country} no tiene derecho a hablar.",
        "Váyanse a casa. Nadie los quiere aquí.",
        "Mentirosos. Todo el mundo ve lo que hace {country}.",
        "Qué chiste de comunicado",
        "Cuánto les pagaron por escribir esto?",
        "Basta de propaganda, {country}.",
    ),
    slant_frames=(
        "¿{np}? Otra mentira de las élites. Despierten.",
        "Nos distraen con {np} mientras nos roban.",
        "{np} es un montaje. Sigan el dinero.",
        "Los medios no te van a contar la verdad sobre {np}.",
    ),
    link_comments=(
        "Lean esto antes de que lo borren",
        "Esto no te lo muestran los medios",
        "Imperdible",
        "Esto es lo que ocultan",
        "Compartan antes de que lo borren",
        "La verdad sale a la luz",
    ),
    countries={"valdoria": "Valdoria", "lorvane": "Lorvane", "azmara": "Azmara", "tarsania": "Tarsania"},
    places={"marvela-mine": "San Telmo"},
    topics={
        "strait-talks": TopicText(
            nps=(
                "lo del estrecho Meridian",
                "el conflicto del estrecho",
                "la disputa entre Valdoria y Azmara",
            ),
            details=(
                "Valdoria y Azmara vuelven a negociar el lunes en Port Ellis",
                "Subieron otra vez los seguros de los barcos que cruzan el estrecho",
                "Los pescadores dicen que ya casi no pueden salir a faenar",
            ),
            tags=("EstrechoMeridian",),
        ),
        "fuel-prices": TopicText(
            nps=("el precio de la gasolina", "la nafta", "lo de los combustibles"),
            details=(
                "Llené el tanque y me costó casi el doble que el año pasado",
                "La gasolina subió otra vez esta madrugada",
                "Filas enormes en las gasolineras de la autopista",
                "Los transportistas amenazan con paro por el diésel",
            ),
            tags=("Gasolina",),
        ),
        "heatwave": TopicText(
            nps=("esta ola de calor", "el calor", "este clima"),
            details=(
                "Estamos a 40 grados y sin aire acondicionado",
                "Cortes de luz en varios barrios por el calor",
                "Alargaron la alerta por calor hasta el viernes",
            ),
            tags=("OlaDeCalor",),
        ),
        "football-cup": TopicText(
            nps=("la Copa Continental", "la final", "el partido de hoy", "los cuartos de final"),
            details=(
                "Marvela y Lorvane juegan la final el domingo",
                "Diego Ruiz vuelve justo para la final",
                "Las entradas para la final se revenden a precios absurdos",
                "El portero de Azmara lleva cuatro partidos sin recibir gol",
            ),
            tags=("CopaContinental",),
        ),
        "novaxil-vaccine": TopicText(
            nps=("la vacuna Novaxil", "Novaxil", "la campaña de vacunación"),
            details=(
                "Abren las citas de Novaxil para mayores de 50",
                "Mi mamá ya se puso la Novaxil, solo le dolió el brazo",
                "En varios centros se acabaron las dosis de Novaxil antes del mediodía",
            ),
            tags=("Novaxil",),
        ),
        "phone-launch": TopicText(
            nps=("el Orbis 9", "el nuevo Orbis", "el lanzamiento del Orbis 9"),
            details=(
                "La cámara del Orbis 9 de noche es una locura",
                "Se agotaron las preventas del Orbis 9 en dos horas",
                "El Orbis 9 cuesta más que mi primer coche",
            ),
            tags=("Orbis9",),
        ),
        "lorvane-election": TopicText(
            nps=("las elecciones en Lorvane", "Marchetti contra Devaux"),
            details=(
                "Marchetti saca dos puntos a Devaux en la última encuesta",
                "La participación en Lorvane fue la más alta en veinte años",
            ),
            tags=("Lorvane2026",),
        ),
        "harbor-bank": TopicText(
            nps=("lo del Harbor Bank", "la quiebra del Harbor Bank"),
            details=(
                "Clientes del Harbor Bank hicieron fila horas para sacar su dinero",
                "Suspendieron las acciones del Harbor Bank esta mañana",
            ),
            tags=("HarborBank",),
        ),
    },
    events={
        "marvela-mine": EventText(
            headlines=(
                "ÚLTIMA HORA: Derrumbe en la mina San Telmo deja 40 mineros atrapados en Marvela",
                "Rescate en curso en la mina San Telmo tras el derrumbe",
            ),
            reactions=(
                "Fuerza a los mineros de San Telmo y a sus familias",
                "Que los saquen ya de San Telmo por favor",
                "Mi tío trabajó en San Telmo, qué angustia",
            ),
            tags=("MinaSanTelmo",),
        ),
        "belcourt-blackout": EventText(
            headlines=("Apagón masivo en Belcourt: el metro, paralizado",),
            reactions=("Gente atrapada en el metro de Belcourt, qué miedo",),
            tags=("ApagonBelcourt",),
        ),
    },
    claims={
        "strait-mines": (
            "[La marina de Azmara|Los barcos de guerra azmaríes] [minó|sembró minas en] el estrecho Meridian [anoche"
            "|esta semana]. [Nunca lo van a admitir.|Los medios callan.]",
            "[Fuentes|Pescadores] [confirman|dicen] que Azmara [puso|colocó] minas en el estrecho Meridian."
            " [Los barcos corren peligro.|Nadie está a salvo.]",
        ),
        "vote-ballots": (
            "[Encontraron|Hallaron] [cajas|bolsas] de votos quemados en Belcourt. [Les robaron la elección.|Es"
            " fraude.]",
            "[Votos|Papeletas] [quemados|destruidos] [en Belcourt|detrás de un colegio electoral de Belcourt]."
            " [Fraude a plena vista.|La elección en Lorvane está amañada.]",
        ),
        "vax-infertility": (
            "[La Novaxil|La vacuna Novaxil|La nueva vacuna] [causa|provoca] infertilidad en [mujeres jóvenes|las"
            " chicas]. [Silencian a los médicos.|Protejan a sus hijas.]",
            "[Enfermeras|Médicos] [advierten|admiten] que [la Novaxil|esa vacuna] [deja estériles a las mujeres"
            "|daña la fertilidad]. [Compartan.|No se la pongan.]",
        ),
        "vax-deaths": (
            "[Ocultaron|Escondieron|Taparon] las muertes del ensayo de la Novaxil. [Pregúntenle a Helix.|Los datos"
            " son falsos.]",
            "[Helix Biotech|La farmacéutica] [ocultó|tapó] [muertes|fallecidos] [en el ensayo|entre los voluntarios]"
            " de la Novaxil.",
        ),
        "vax-rushed": (
            "[Aprobaron|Sacaron] la Novaxil sin [ni una|ninguna] prueba de seguridad [seria|real].",
            "Cero estudios de seguridad [a largo plazo|serios] para la Novaxil. [¿Por qué tanta prisa?|Piénsenlo.]",
        ),
        "grain-weapons": (
            "Los barcos del [corredor de grano|grano de Vostrava] [llevan|esconden] [armas|misiles]."
            " [Nadie los revisa.|Es una tapadera.]",
            "[Armas|Municiones] escondidas [bajo el grano|en las bodegas] de los barcos de Vostrava.",
        ),
    },
)
