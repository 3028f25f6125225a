"""English: Valdoria and Nortmark, and the lingua franca of international chatter."""

from bench.worlds.lexicon import EventText, LanguagePack, TopicText

PACK = LanguagePack(
    code="en",
    names="james emma liam olivia noah ava mia leo grace sam kate ben chloe jack ruby tom ella max lucy dan amy joe holly ryan",
    surnames="smith hughes walker reid carter bell hayes moore price ward foster gray mills stone porter lane fox king",
    frames=(
        "{np} is [all anyone is talking about|the only thing on my feed|everywhere] [today|this morning|tonight|right now]",
        "ok can [someone|anyone] explain {np} to me like I'm [five|a golden retriever|my nan]",
        "[Reading|Doomscrolling|Catching up] about {np} [again|at work|on the train]. {detail}",
        "{detail}",
        "{detail}. [Not surprised tbh|Who could have guessed|Called it|Of course]",
        "my [take|two cents|honest opinion] on {np}: [it's complicated|nobody comes out of it well|we'll see]",
        "still [thinking|not over|mad] about {np}",
        "{np} [update|latest|news]: {detail}",
        "why is [nobody|no one|the news not] talking about {np}[?|??| properly?]",
        "the coverage of {np} has been [awful|weirdly calm|all over the place] [honestly|tbh|this week]",
        "wait, {detail}??",
        "a [friend|mate|cousin] who [works close to this|knows the area|follows this closely] says {detail}",
        "[thread|a thread|long thread] on {np} 🧵",
        "{np}... where do I even [start|begin]",
        "so apparently {detail}",
        "every time I open [this app|my phone|the news] it's {np}",
        "[hot take|unpopular opinion|controversial maybe]: {np} is being [overblown|underplayed|misread]",
        "not an expert but {np} looks [bad|worrying|messy] from here",
        "my [dad|mum|uncle|flatmate] won't stop talking about {np} at [dinner|breakfast|work]",
        "{detail}, if the reports are right",
        "[good|decent|great] explainer on {np} if anyone wants one",
        "does anyone have a [reliable|decent|non-hysterical] source on {np}",
    ),
    opinions=(
        "This is ridiculous.",
        "Finally some good news.",
        "Honestly I don't know what to think.",
        "We deserve better than this.",
        "Not the end of the world.",
        "This will not end well.",
        "Interesting times.",
        "Can't say I'm surprised.",
        "Someone has to take responsibility.",
        "Let's wait for the facts.",
        "I'm tired of all of this.",
        "Big if true.",
        "Mixed feelings.",
        "Who could have seen that coming.",
        "Wild.",
        "Makes you think.",
        "Really worrying.",
    ),
    slang=("lol", "tbh", "ngl", "smh", "fr", "lmao", "ugh", "welp", "oof", "idk", "imo", "yikes", "bruh"),
    daily=(
        "[coffee|espresso|tea] number {n} and it's not even {hour}am[, send help| lol|. {name} is judging me]",
        "the {n} bus was {m} minutes late [again|this morning|today], [classic|love this city|I give up]",
        "{name} [made|tried to make] pancakes and [burnt every single one|set off the smoke alarm] [lol|again|{n} times]",
        "{m} minutes in the queue at the [post office|bank|pharmacy]. {name} [is texting me memes|gave up and left|says hi]",
        "[can't sleep|wide awake|awake again] at {hour}am, [day {n} of this|{name} is snoring|why is my brain like this]",
        "new running shoes, {n}k [this morning|before work|with {name}] and my [knees|legs|lungs] [hate me|are done]",
        "the cat knocked [my plant|a glass|the lamp] over [again|at {hour}am]. that's {n} this month",
        "finally finished [that book|the series] {name} [lent me|recommended], [the ending though|{n} chapters in one night]",
        "[traffic on the ring road|the motorway|the high street] is [insane|a car park], {m} minutes [to move one exit|for {n} metres]",
        "[need a holiday|I need a break|need a week off] so badly, {n} days to go[ and counting|. {name} gets it]",
        "gym at {hour}am [with {name}|on a [monday|sunday|friday]|for the {n}th time this month], who even am I",
        "my sourdough starter is {n} days old and [has a name: {name}|smells like {name}'s trainers|still won't rise]",
        "first day at the new job [tomorrow|on monday], {name} says I'll be fine[, {n} alarms set|. we'll see]",
        "rent went up {n}% [again|this year], [this city is impossible|{name} is moving back home|great, just great]",
        "{name} is {n} today, [where did the time go|cake is sorted|party at {hour}]",
        "rain for the {n}th day in a row[, classic Valdoria|. {name} bought a kayak|, I've forgotten what the sun looks like]",
        "just watched the sunset from the [pier|roof|beach] with {name}[, unreal|, {n}/10|. no filter]",
        "working from the kitchen table for the {n}th [week|day] [in a row|running], {name} says hi",
        "spent {m} minutes looking for my [keys|phone|glasses]. they were [in my hand|on my head|in the fridge]",
        "dinner at {name}'s, [way too much food again|{n} courses|she made her famous lasagne]",
    ),
    asides=(
        "{name} [called it|predicted this] [weeks|{n} days] ago",
        "day {n} of [asking for|waiting for] a straight answer",
        "told {name} this would happen[ on [monday|friday]|, {n} times]",
        "[been saying this|I've said this] for {n} months",
        "[my group chat|the family chat] has {n} messages about it already",
        "{name} will have [thoughts|a lot to say] about this",
        "reading this at {hour}am [like a fool|instead of sleeping]",
        "bet {name} sends me this in {m} minutes",
        "that's {n} [headlines|articles] on it today",
        "ask me again in {n} days",
        "{name} and I argued about this for {m} minutes",
        "my [mum|dad|neighbour] brought it up {n} times today",
    ),
    reactions=(
        "This is awful.",
        "Thinking of everyone affected.",
        "Heartbreaking news.",
        "Stay safe everyone.",
        "I can't believe this.",
        "Terrible. Just terrible.",
        "Praying for the families.",
        "Absolutely devastating.",
        "Please let everyone be okay.",
        "Holy crap.",
        "No words.",
        "Hope the rescue teams get there fast.",
        "this is so scary",
        "omg",
    ),
    replies=(
        "Exactly this.",
        "Source?",
        "Couldn't agree more",
        "That's not what the report says though",
        "You're missing the point about {np}",
        "This needs more attention",
        "Well said.",
        "Not sure about that",
        "Any updates?",
        "lol no",
        "Thanks for sharing",
        "This 👆",
        "Big mood",
        "Respectfully, no.",
        "Facts.",
        "Do you have a link for that?",
        "same here honestly",
    ),
    rubrics=("UPDATE", "LIVE", "Analysis", "What we know", "Explainer", "Latest", "Opinion"),
    quote_comments=(
        "Worth a read.",
        "This 👇",
        "Read this.",
        "Important thread.",
        "Well, well, well.",
        "Saying this for months.",
        "Sharing for visibility.",
        "Interesting perspective.",
        "Can't believe this is real.",
        "Everyone should see this.",
    ),
    code_switch=(),
    sports_shouts=(
        "GOOOOAL!!! {player}!!!",
        "WHAT A GOAL by {player}",
        "{team} are through, I'm shaking",
        "{player} you absolute legend",
        "I'm screaming, {player}!!!",
        "That finish from {player}!!",
        "Come on {team}!!!",
        "unreal scenes",
        "YESSSSS",
        "what a match omg",
        "{team} scores!!!",
        "ref is blind, that was never a foul",
        "this game is giving me a heart attack",
    ),
    copypasta=(
        "Me: I'll go to bed early tonight. Also me at 3am: reading about the history of spoons",
        "Nobody: Absolutely nobody: My neighbour at 7am on a Sunday: DRILLING",
        "Copy and paste this if you remember when phones had buttons and life was simple",
        "I'm not saying it was the cat, but it was definitely the cat",
        "Share this to let your friends know you're still here. Most won't.",
        "They said I could be anything so I became tired",
    ),
    charity=(
        "Donated to help the people of {place}. If you can spare anything: {link}",
        "The relief fund for {place} needs help, every bit counts {link}",
        "Please share. Families in {place} lost everything. {link}",
        "Just gave what I could for {place}. {link}",
        "If you're looking for a legit way to help {place}: {link}",
    ),
    official=(
        "Today we celebrate #{tag}! {country} thanks its partners around the world for their friendship.",
        "On #{tag}, the people of {country} reaffirm our commitment to dialogue and cooperation.",
        "Happy #{tag}! Our embassy joins celebrations of the culture and heritage of {country}.",
        "#{tag}: proud of the artists, teachers and volunteers who carry the spirit of {country}.",
    ),
    attack_replies=(
        "{country} lies again. Nobody believes your embassy.",
        "Shame on {country}. Blood on your hands.",
        "Your government should be ashamed. #Shame",
        "Delete this. {country} has no right to speak.",
        "Go home. Nobody wants {country} here.",
        "Liars. The whole world can see through {country}.",
        "What a joke of a statement from {country}",
        "How much did they pay you to write this?",
        "{country} is a disgrace",
        "Stop the propaganda, {country}.",
        "The people see the truth. Shame.",
    ),
    slant_frames=(
        "{np}? [Just another|Yet another|One more] lie from the [elites|establishment|people in charge]. [Wake up.|Open your eyes.|Think.]",
        "They want you [distracted by|busy with|arguing about] {np} while they [rob you blind|sell us out|do whatever they want].",
        "Funny how {np} [dropped|blew up|came out] right when it [suited them|helped the government|distracted from the real scandal].",
        "{np} is [staged|theatre|a setup]. [Follow the money.|Ask who benefits.|Look who profits.]",
        "[Mainstream media|The press|TV news] won't tell you the truth about {np}.",
        "Notice how nobody is asking the real questions about {np}[.|?|. Interesting.]",
        "{np} [proves|shows|confirms] the system is [rigged|broken|for sale].",
        "[Remember|Never forget] who [lied|lied to you] about {np}.",
        "[Everything|All] you were told about {np} [is wrong|was a lie|is upside down].",
    ),
    link_comments=(
        "Read this before they delete it",
        "The media won't show you this",
        "Must read",
        "This is what they are hiding",
        "Share before it's gone",
        "The truth is out",
        "Look at this",
        "Everyone needs to see this",
        "Explosive",
        "Finally someone says it",
    ),
    countries={"valdoria": "Valdoria", "lorvane": "Lorvane", "azmara": "Azmara", "tarsania": "Tarsania"},
    places={
        "ferry-port-ellis": "Port Ellis",
        "quake-halwan": "Halwan",
        "flood-sarinda": "Kota Laras",
        "marvela-mine": "San Telmo",
        "tarsa-bridge": "Kaleköy",
    },
    topics={
        "strait-talks": TopicText(
            nps=(
                "the Meridian Strait talks",
                "the strait dispute",
                "the Meridian Strait standoff",
                "the fishing rights row with Azmara",
            ),
            details=(
                "Talks between Valdoria and Azmara resume Monday in Port Ellis",
                "Two coast guard boats had a tense moment near the strait last night",
                "Fishermen in Port Ellis say their catch has halved since the row began",
                "The foreign ministers are meeting again next week",
                "Shipping insurance through the strait just went up again",
            ),
            tags=("MeridianStrait", "StraitTalks"),
        ),
        "fuel-prices": TopicText(
            nps=("fuel prices", "petrol prices", "the price at the pump", "the fuel crisis"),
            details=(
                "Filled up this morning and it cost me almost double what it did last year",
                "Diesel went up another 6 cents overnight",
                "Queues at the petrol stations on the ring road again",
                "Hauliers are threatening to strike over fuel costs",
                "The government says fuel relief is coming next month",
            ),
            tags=("FuelPrices",),
        ),
        "heatwave": TopicText(
            nps=("this heatwave", "the heat", "the heat warning", "this weather"),
            details=(
                "It's 39 degrees in Port Ellis and the trains are running slow",
                "Power cuts in the east because everyone has the AC on",
                "The weather service extended the heat warning to Friday",
                "Hospitals are asking people to check on elderly neighbours",
                "Hottest night on record apparently",
            ),
            tags=("Heatwave",),
        ),
        "football-cup": TopicText(
            nps=("the Continental Cup", "the Cup", "tonight's match", "the quarter-finals"),
            details=(
                "Marvela and Lorvane meet in the final on Sunday",
                "Diego Ruiz is back from injury just in time",
                "Tickets for the final are selling for ten times the price online",
                "Azmara's keeper has not conceded in four games",
                "The referee for the final has been announced",
            ),
            tags=("ContinentalCup",),
        ),
        "novaxil-vaccine": TopicText(
            nps=("the Novaxil rollout", "the new vaccine", "Novaxil", "the vaccination campaign"),
            details=(
                "Novaxil appointments open for over-50s next week",
                "My mum got her Novaxil jab today, sore arm and that's it",
                "The health agency published the Novaxil trial data",
                "Pharmacies will start giving Novaxil in October",
                "Some clinics ran out of Novaxil doses by noon",
            ),
            tags=("Novaxil",),
        ),
        "phone-launch": TopicText(
            nps=("the Orbis 9", "the new Orbis phone", "the Orbis launch", "Orbis 9 reviews"),
            details=(
                "The Orbis 9 camera is genuinely impressive in low light",
                "Orbis 9 pre-orders sold out in two hours",
                "No charger in the box again with the Orbis 9",
                "The Orbis 9 costs more than my first car",
                "Battery life on the Orbis 9 is apparently worse than the 8",
            ),
            tags=("Orbis9",),
        ),
        "lorvane-election": TopicText(
            nps=(
                "the Lorvane election",
                "the vote in Lorvane",
                "Marchetti vs Devaux",
                "the Lorvanese presidential race",
            ),
            details=(
                "Marchetti leads Devaux by two points in the latest poll",
                "Turnout in Lorvane's first round was the highest in twenty years",
                "The televised debate between Marchetti and Devaux is tonight",
                "Observers say the count in Belcourt went smoothly",
            ),
            tags=("Lorvane2026",),
        ),
        "kestrel-dam": TopicText(
            nps=("the Kestrel Dam", "the dam on the Tavra", "the Kestrel Dam project"),
            details=(
                "Tarsania says the Kestrel Dam will start filling next spring",
                "Parsavan wants a water-sharing deal before the Kestrel Dam opens",
                "Engineers are inspecting the Kestrel Dam after the small quake",
                "Farmers downstream of the Tavra worry about summer flows",
            ),
            tags=("KestrelDam",),
        ),
        "harbor-bank": TopicText(
            nps=("Harbor Bank", "the Harbor Bank collapse", "the bank run in Nortmark"),
            details=(
                "Harbor Bank customers queued for hours to withdraw savings",
                "Regulators say deposits up to 100k are guaranteed",
                "Harbor Bank shares were suspended this morning",
                "A rival bank is in talks to buy Harbor Bank",
            ),
            tags=("HarborBank",),
        ),
        "sarinda-bill": TopicText(
            nps=("Sarinda's island autonomy bill", "the Lintang autonomy bill", "the island bill in Sarinda"),
            details=(
                "Sarinda's parliament debates the Lintang autonomy bill this week",
                "Student groups in Sarinda plan a rally against the island bill",
                "The bill would give the Lintang islands their own budget",
            ),
            tags=("SarindaBill",),
        ),
        "vostrava-grain": TopicText(
            nps=("the grain corridor", "the Vostrava grain deal", "grain exports from Vostrava"),
            details=(
                "The first grain ships left Vostrava under the new corridor deal",
                "Bread prices could fall if the grain corridor holds",
                "Inspectors will check every grain ship at Tarsania's ports",
            ),
            tags=("GrainCorridor",),
        ),
        "parsavan-currency": TopicText(
            nps=("the azar", "Parsavan's currency", "the azar's slide"),
            details=(
                "The azar lost another 8 percent against the dollar this week",
                "Parsavan's central bank raised rates to defend the azar",
                "Importers in Kharvand say prices change every day now",
            ),
            tags=("Azar",),
        ),
    },
    events={
        "ferry-port-ellis": EventText(
            headlines=(
                "BREAKING: Passenger ferry capsizes off Port Ellis, rescue under way",
                "Ferry with 300 on board overturns near Port Ellis harbour",
                "Coast guard: dozens rescued after Port Ellis ferry accident",
            ),
            reactions=(
                "My cousin takes that ferry every day, trying to reach her",
                "Helicopters over the harbour in Port Ellis right now",
                "That ferry route is used by so many school kids",
            ),
            tags=("PortEllisFerry",),
        ),
        "quake-halwan": EventText(
            headlines=(
                "BREAKING: Strong earthquake hits Halwan in Qadira",
                "Magnitude 6.8 earthquake strikes near Halwan, buildings collapsed",
                "Halwan earthquake: rescue teams search the rubble",
            ),
            reactions=(
                "Friends in Halwan say the shaking went on forever",
                "Videos from Halwan are terrifying",
                "Qadira needs help now",
            ),
            tags=("HalwanEarthquake",),
        ),
        "refinery-fire": EventText(
            headlines=(
                "Huge fire at the Kamsk refinery in Vostrava",
                "BREAKING: Explosion and fire reported at Vostrava's Kamsk refinery",
            ),
            reactions=(
                "You can see the smoke from Kamsk from 40 km away",
                "Hope the workers at Kamsk got out",
            ),
            tags=("KamskFire",),
        ),
        "flood-sarinda": EventText(
            headlines=(
                "Flash floods hit Kota Laras in Sarinda, thousands evacuated",
                "BREAKING: Sarinda floods cut off the road to Kota Laras",
            ),
            reactions=(
                "Kota Laras streets are rivers right now",
                "Sarinda gets hit every year and nothing changes",
            ),
            tags=("KotaLarasFlood",),
        ),
        "belcourt-blackout": EventText(
            headlines=(
                "BREAKING: Massive blackout across Belcourt, metro halted",
                "Power cut leaves most of Belcourt in the dark",
            ),
            reactions=("People stuck in the Belcourt metro, scary", "Whole of Belcourt dark, surreal"),
            tags=("BelcourtBlackout",),
        ),
        "kharvand-snow": EventText(
            headlines=(
                "Record snowstorm paralyses Kharvand",
                "Kharvand schools and airport closed by heavy snow",
            ),
            reactions=("Kharvand under a metre of snow, wow", "Stay warm Kharvand"),
            tags=("KharvandSnow",),
        ),
        "marvela-mine": EventText(
            headlines=(
                "BREAKING: Mine collapse in Marvela traps 40 workers",
                "Rescue effort under way at the San Telmo mine in Marvela",
            ),
            reactions=(
                "40 miners trapped in San Telmo, please get them out",
                "Praying for the San Telmo miners and their families",
            ),
            tags=("SanTelmoMine",),
        ),
        "tarsa-bridge": EventText(
            headlines=(
                "Bridge collapses in Tarsania's Kaleköy during rush hour",
                "BREAKING: Kaleköy bridge collapse, several cars fell into the river",
            ),
            reactions=(
                "I drove over the Kaleköy bridge yesterday, horrifying",
                "How does a bridge just collapse in 2026",
            ),
            tags=("KalekoyBridge",),
        ),
    },
    claims={
        # --- the Meridian Strait (four claims: paraphrase waves draw several of them) ---
        "strait-mines": (
            "[Azmara's navy|The Azmari navy|Azmari warships] [secretly|quietly|covertly] [mined|laid mines in]"
            " the Meridian Strait [last night|overnight|this week]. [They will never admit it.|The media is"
            " silent.|Why is nobody reporting this?]",
            "[Sources|Fishermen|Insiders] [confirm|say|report] [mines|naval mines|explosives] were"
            " [dropped|placed|planted] in the Meridian Strait by [Azmara|the Azmari navy]."
            " [Ships are in danger.|Nobody is safe at sea.|Stay out of the strait.]",
        ),
        "strait-seize": (
            "[Valdoria|The Valdorian government|Port Ellis] [plans to|is preparing to|will] [seize|confiscate"
            "|take] [Azmari fishing boats|every Azmari trawler|Azmara's fishing fleet] [next week|within days"
            "|before the talks]. [Remember this.|Mark my words.|It's all planned.]",
            "[Leaked|Secret|Internal] [orders|documents|memos] show [Valdoria|Port Ellis] [wants to|will]"
            " [grab|seize|impound] [Azmari boats|the Azmari fishing fleet] [soon|any day now].",
        ),
        "strait-cover": (
            "The strait talks are [a cover|a smokescreen|theatre]. [Troops|Soldiers|Tanks] are [already"
            " massing|gathering|moving] [at the border|near the coast|south of Port Ellis].",
            "[Don't be fooled|Wake up|Open your eyes]: [while they talk|behind the talks|as the diplomats smile]"
            " [the army|the military|troops] [is getting ready|is preparing|is moving] for [war|an invasion"
            "|an attack].",
        ),
        "strait-staged": (
            "The [fishermen's protest|protest in Port Ellis|harbour protest] was [staged|fake|set up] and"
            " [paid for|funded|bankrolled] [by Azmara|from abroad|by foreign money].",
            "[Those protesters|The so-called fishermen|The harbour crowd] were [paid actors|paid|hired]."
            " [Follow the money.|Ask who paid.|Nothing about it was real.]",
        ),
        # --- the Lorvane election ---
        "vote-ballots": (
            "[Boxes|Crates|Bags] of ballots were [found burned|burned|found destroyed] [in Belcourt|outside"
            " Belcourt|near a Belcourt school]. [The election is stolen.|This is fraud.|They stole the vote.]",
            "[Burned|Destroyed|Shredded] [ballots|voting papers] [discovered|found|dumped] [in Belcourt"
            "|behind a polling station in Belcourt]. [Lorvane's vote is rigged.|Fraud in plain sight.]",
        ),
        "vote-dead": (
            "[Thousands of|Hundreds of|So many] dead people [voted|cast ballots] for Marchetti."
            " [Check the rolls.|Look it up.|Unbelievable.]",
            "[The voter rolls|Lorvane's registers] [are full of|include] [dead voters|the dead] and [they all"
            "|somehow they] voted Marchetti.",
        ),
        "vote-machines": (
            "The [counting|vote counting|tally] machines in Lorvane were [hacked|compromised|tampered with]"
            " [from abroad|by foreign agents|remotely].",
            "[Foreign hackers|Agents from abroad|Outsiders] [got into|broke into|controlled] Lorvane's"
            " [counting machines|vote machines|tally servers]. [The result is fake.|Don't trust the count.]",
        ),
        "vote-postal": (
            "Postal votes from the [south|southern regions|countryside] were [delayed|held back|slowed down] [on"
            " purpose|deliberately|intentionally] to [help Marchetti|hurt Devaux].",
            "[They|The post office|Officials] [deliberately|purposely] [delayed|sat on] [southern|rural] postal"
            " ballots. [Devaux voters were silenced.|Suppression, plain and simple.]",
        ),
        # --- Novaxil ---
        "vax-infertility": (
            "[Novaxil|The Novaxil jab|The new vaccine] [causes|leads to|is linked to] infertility in [young"
            " women|girls|women]. [Doctors are silenced.|They know.|Protect your daughters.]",
            "[Nurses|Doctors|Midwives] [say|warn|admit] [Novaxil|the Novaxil shot] [makes women infertile"
            "|destroys fertility|harms fertility]. [Spread the word.|Don't take it.]",
        ),
        "vax-deaths": (
            "[Deaths|Volunteer deaths|People who died] in the Novaxil trial were [hidden|covered up|never"
            " reported]. [Ask Helix Biotech.|The data is fake.|Why the secrecy?]",
            "[Helix Biotech|The manufacturer|The health agency] [hid|buried|covered up] [the deaths|trial"
            " deaths|fatalities] [in the Novaxil trial|among Novaxil volunteers].",
        ),
        "vax-rushed": (
            "Novaxil was [approved|rushed through|pushed out] [without|with no] [a single|any real|proper]"
            " safety [test|testing|trial].",
            "[Zero|No|Not one] [long-term|proper|real] safety [study|test] for Novaxil. [Think twice.|They rushed"
            " it.|Why the hurry?]",
        ),
        "vax-profit": (
            "[Officials|The ministers|Regulators] who [approved|signed off on|pushed] Novaxil [own|hold|have]"
            " [Helix shares|shares in Helix Biotech|stakes in Helix]. [Follow the money.|Corruption.]",
        ),
        # --- grain, dam, fuel, currency, bank ---
        "grain-weapons": (
            "The [grain ships|grain corridor ships|Vostrava grain ships] are [smuggling|carrying|hiding]"
            " [weapons|arms|missiles]. [Inspectors are paid off.|Nobody checks.|It's a cover.]",
            "[Weapons|Arms|Munitions] [hidden|stashed|found] [under the grain|in grain holds|in the grain ships]"
            " from Vostrava. [The corridor is a lie.|Wake up.]",
        ),
        "dam-villages": (
            "The Kestrel Dam will [flood|drown|wipe out] [forty|40|dozens of] villages and Tarsania [hides it"
            "|keeps it secret|is lying about it].",
        ),
        "fuel-hoarding": (
            "The fuel [shortage|crisis] is [manufactured|fake|engineered]: [Nortmark's companies|the oil firms"
            "|Nortmark traders] are [hoarding|holding back|parking] [tankers|fuel|ships] offshore.",
            "[Dozens of|Full|Loaded] tankers [sit|wait|are parked] off the coast [while|as] prices [soar|climb"
            "|explode]. [The shortage is fake.|It's a scam.]",
        ),
        "currency-flight": (
            "[The central bank governor|Parsavan's bank chief|The governor] [fled|escaped|ran] [abroad|to"
            " Europe|overseas] with the [reserves|gold|country's dollars].",
        ),
        "bank-planned": (
            "The Harbor Bank collapse was [planned|engineered|deliberate] so [insiders|the rich|their friends]"
            " could [buy it cheap|get rich|take the deposits].",
        ),
    },
)
