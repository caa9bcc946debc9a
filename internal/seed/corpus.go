package seed

// The word lists and text templates generated users and contents are built from.
//
// Template slots: {T} the item's first topic, {U} its second topic (templates using {U} are
// only chosen for items with two or more topics), {K} a narrower term of the first topic,
// {L} another term (of the second topic when there is one), {N} a small number, {Y} a year,
// {M} a running time in minutes, {E} an episode number. In titles {K} and {L} are title-cased.

var firstNames = []string{
	"Aaliyah", "Aaron", "Abena", "Adrian", "Aiko", "Alejandro", "Alice", "Amara", "Amir", "Ana",
	"Andrea", "Anika", "Arjun", "Astrid", "Beatriz", "Benjamin", "Bilal", "Camila", "Carlos", "Catherine",
	"Chen", "Chiara", "Chloe", "Daniel", "Dario", "David", "Deepa", "Diego", "Elena", "Elif",
	"Elijah", "Emeka", "Emily", "Emma", "Fatima", "Felix", "Freya", "Gabriel", "Grace", "Hana",
	"Hannah", "Hiroshi", "Ines", "Isaac", "Isabel", "Ivan", "Jada", "James", "Javier", "Jin",
	"Johanna", "Jonas", "Jorge", "Julia", "Kai", "Kavya", "Kenji", "Kofi", "Lars", "Layla",
	"Leila", "Leo", "Lina", "Lucas", "Lucia", "Luis", "Maja", "Malik", "Marco", "Maria",
	"Mateo", "Maya", "Mei", "Mia", "Miguel", "Mohammed", "Nadia", "Naomi", "Nia", "Nikolai",
	"Noah", "Nora", "Olga", "Oliver", "Omar", "Oscar", "Paolo", "Priya", "Rafael", "Rahul",
	"Rania", "Ravi", "Rosa", "Ruth", "Samuel", "Sara", "Sebastian", "Sofia", "Sven", "Tariq",
	"Thomas", "Tomas", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zainab", "Zoe", "Zuzana",
}

var lastNames = []string{
	"Abara", "Adeyemi", "Alvarez", "Andersen", "Bauer", "Becker", "Bianchi", "Boateng", "Brown", "Castillo",
	"Chen", "Chowdhury", "Costa", "Cruz", "Dubois", "Dimitrov", "Eriksson", "Fernandes", "Fischer", "Fontaine",
	"Garcia", "Gonzalez", "Gupta", "Haddad", "Hansen", "Hernandez", "Hoffmann", "Horvat", "Ibrahim", "Ito",
	"Jensen", "Johansson", "Kaur", "Kim", "Kowalski", "Kumar", "Lambert", "Larsen", "Laurent", "Lee",
	"Lopez", "Mahmoud", "Martin", "Martinez", "Mendes", "Meyer", "Moreau", "Moreno", "Murphy", "Nakamura",
	"Nguyen", "Novak", "Nowak", "Okafor", "Oliveira", "Olsen", "Park", "Patel", "Pereira", "Petrov",
	"Rossi", "Russo", "Sato", "Schmidt", "Schneider", "Silva", "Singh", "Smith", "Sousa", "Suzuki",
	"Tanaka", "Taylor", "Thompson", "Torres", "Tran", "Varga", "Vargas", "Wagner", "Walker", "Wang",
	"Weber", "Williams", "Wilson", "Wong", "Yamamoto", "Yilmaz", "Young", "Zhang", "Zimmermann", "Zielinski",
}

var bioTemplates = []string{
	"Writes about {T} and {U}. Slowly learning to say no to new side projects.",
	"Editor-at-large for {T}. Previously covered {U} for a regional daily.",
	"Engineer by day, amateur historian by night. Mostly here for {T}.",
	"Curious about {T}, skeptical about hype, optimistic about people.",
	"Researcher turned writer. Thinks a lot about {K} and {L}.",
	"Longtime reader, occasional commenter. Into {T} and {U}.",
	"Making sense of {T} one essay at a time.",
	"Podcaster, tinkerer and recovering perfectionist. Topics: {T}, {U}.",
}

var titlesEN = []string{
	"A Practical Guide to {K}",
	"What Nobody Tells You About {K}",
	"{N} Lessons From a Year of {T}",
	"Why You Should Care About {K}",
	"{T} in {Y}: What Changed and What Didn't",
	"How We Rebuilt Our Approach to {K}",
	"The Hidden Costs of {K}",
	"{T} and {U}: An Unlikely Pair",
	"Getting Started With {K}",
	"Beyond the Hype: A Sober Look at {K}",
	"{N} Common Mistakes With {K} (and How to Avoid Them)",
	"Inside the World of {K}",
	"Notes on {K}",
	"The Case Against {K}",
	"Where {T} Goes Next",
	"Rethinking {K} From First Principles",
	"A Field Guide to {K}",
	"What {U} Can Teach Us About {K}",
	"{K}, Explained",
	"Everything You Wanted to Know About {K}",
	"Under the Hood: {K}",
	"The State of {T} in {Y}",
	"Overrated or Essential? A Look at {K}",
	"{K} vs. {L}: Choosing With Confidence",
	"The Beginner's Mistake Everyone Makes With {K}",
	"From {K} to {L}: A Short Journey",
	"{N} Questions to Ask Before You Invest in {K}",
	"Small Habits, Big Results: {K} in Practice",
	"The Quiet Revolution in {T}",
	"Why Everyone Is Talking About {K} Again",
	"A Decade of {T}: What We Got Wrong",
	"Why Getting {K} Right Is Hard",
	"Where {T} Meets {U}",
	"An Honest Review of {K}",
	"{N} Ideas for Better {K}",
	"Making Peace With {K}",
}

var summariesEN = []string{
	"A hands-on look at {K}, with the trade-offs that rarely make it into the slides.",
	"We break down {K}, why it matters for {T}, and what to try first.",
	"What we learned about {K} after {N} months of trying, failing and trying again.",
	"An opinionated tour of {K} for people who care about {T} but are short on time.",
	"Where {T} and {U} overlap, and why {K} sits right in the middle.",
	"A calm, evidence-first take on {K}.",
	"Practical advice on {K} and {L}, with examples you can reuse.",
	"The short version: there is less mystery to {K} than it seems.",
	"Three experts weigh in on {K} and disagree in interesting ways.",
	"A reading list and a checklist for anyone getting serious about {T}.",
}

var summaryTailsEN = []string{
	"Includes a checklist you can use this week.",
	"With examples drawn from {U}.",
	"Plus a few things we would do differently next time.",
	"Bring coffee; it is a long one.",
	"Links to further reading at the end.",
	"Spoiler: the boring option usually wins.",
}

var headingsEN = []string{
	"Why this matters", "What we tried", "The trade-offs", "Where to start", "What the evidence says",
	"A closer look at {L}", "Lessons learned", "The short version", "What comes next",
	"Common objections", "How {T} fits in", "A worked example",
}

var paragraphsEN = []string{
	"Most conversations about {K} start in the wrong place. People want to know which tool to pick, when the harder question is what problem they are actually trying to solve. Once that is clear, the options narrow quickly and the trade-offs become easier to talk about.",
	"We spent {N} weeks looking closely at {K}. The first surprise was how much of the effort went into things nobody had planned for: naming, documentation, and explaining decisions to people who joined halfway through. The technical work was, if anything, the easy part.",
	"If you only remember one thing about {T}, make it this: small, boring improvements compound. Teams that get good at {K} rarely do it through a single heroic push. They do it by making the next step slightly easier than the last one.",
	"There is a lot of confident writing about {K}, and much of it contradicts itself. The honest answer is that the right approach depends on your constraints. A five-person team and a five-hundred-person organization should not copy each other's playbooks.",
	"It helps to separate the promise of {K} from what it delivers in practice. The promise is usually speed or simplicity. What you actually get depends on how well it fits with what you already have, and on whether anyone owns it once the initial excitement fades.",
	"The connection between {T} and {U} is easy to miss. Both reward patience, both punish shortcuts, and both depend on feedback loops that are slower than we would like. Seeing {L} through that lens changed how we planned the whole project.",
	"Here is a pattern we keep seeing. Someone discovers {K}, tries it on a small problem, and gets a great result. They roll it out everywhere, the result gets worse, and the idea is abandoned. The lesson is not that {K} failed; it is that context matters.",
	"Numbers help. Before changing anything, we measured where time and attention actually went. The data pointed somewhere unexpected: the biggest gains were hiding in {L}, not in the part of {T} everyone had been arguing about.",
	"None of this is new. People working on {T} have known about {K} for years, and the best writing on it is surprisingly old. What has changed is the cost of trying things, which is now low enough that there is little excuse not to experiment.",
	"A useful exercise is to explain {K} to someone outside the field. If you cannot do it in two minutes, you probably do not understand it well enough to make decisions about it. We tried this with our own team and learned a lot from the blank looks.",
	"Critics of {K} make a fair point: it adds moving parts, and every moving part is something that can break at three in the morning. The answer is not to avoid it, but to be deliberate about where it earns its keep and where it does not.",
	"What surprised us most was how much success with {K} depends on trust. The tools matter, but the decisive factor was whether people felt safe saying that something was not working. Where they did, problems surfaced early and stayed small.",
	"The research on {K} is thinner than its popularity suggests. A handful of careful studies exist, and they point in a consistent direction, but the effect sizes are modest. That is not a reason to ignore it; it is a reason to keep expectations honest.",
	"For readers newer to {T}, a little history helps. The ideas behind {K} grew out of practical frustration rather than theory, which explains both their strengths and their rough edges. Knowing where they came from makes it easier to adapt them.",
	"We made plenty of mistakes. The most expensive one was treating {L} as an afterthought, something to tidy up once the real work was done. It turned out to be the real work, and postponing it cost us months.",
	"There is a temptation to treat {T} as a solved problem. It is not. The fundamentals are stable, but the details keep shifting, and {K} is one of the places where that churn is most visible. Staying curious is part of the job.",
	"One practical tip: write things down before you start. A short note describing what you expect {K} to change, and how you will know, is worth more than any dashboard. It keeps everyone honest when the results come in.",
	"The people doing the most interesting work on {K} tend to share a habit: they publish their failures alongside their successes. Reading those write-ups is one of the fastest ways to get better at {T} without repeating everyone else's mistakes.",
	"Cost is the part of {K} that rarely makes it into the announcement. Not just money, but attention, maintenance and the opportunity cost of what you did not build. Any honest evaluation has to put those on the table.",
	"Looking ahead, we expect {K} to become less visible rather than more. The best infrastructure fades into the background. If we do our jobs well, the next generation working on {T} will take it for granted, and that is exactly the point.",
	"Community matters more than we expected. Forums, meetups and long comment threads about {L} taught us more than any course. The people who answered our questions were generous with their time, and we try to pay that forward.",
	"Our advice is to start smaller than feels comfortable. Pick one corner of {T}, apply {K} there, and watch what happens for a few weeks. If it helps, widen the scope. If it does not, you have lost very little and learned something real.",
}

var listItemsEN = []string{
	"Start small with {K} and expand only when it pays off.",
	"Measure before and after, or you will not know what changed.",
	"Write down the decision and the reasons behind it.",
	"Talk to the people who maintain it, not just the people who sell it.",
	"Budget time for {L}; it always takes longer than planned.",
	"Revisit the choice in {N} months with fresh eyes.",
	"Prefer boring, well-understood options for anything critical.",
	"Keep a short list of things you decided not to do.",
	"Share what you learn about {T}, including what went wrong.",
}

var quotesEN = []string{
	"The best time to think about {K} was a year ago. The second best time is today.",
	"Most problems in {T} are people problems wearing a technical costume.",
	"Simple is not the same as easy, and working on {K} proves it.",
	"If you cannot measure it, at least write down what you expect to happen.",
}

var videoIntrosEN = []string{
	"*Running time: {M} minutes.* In this video we walk through {K} step by step, with plenty of detours into {T}.",
	"*Running time: {M} minutes.* A recorded talk on {K}, followed by questions from the audience.",
}

var podcastIntrosEN = []string{
	"*Episode {E}, {M} minutes.* This week we talk about {K}, where it came from and where it is going.",
	"*Episode {E}, {M} minutes.* Our guest has spent years working on {T}, and has strong opinions about {K}.",
}

var linkIntrosEN = []string{
	"Worth your time: a thoughtful piece on {K} that has been making the rounds.",
	"A link we keep coming back to whenever someone asks about {K}.",
	"Not ours, but we wish it were: a clear-eyed look at {T}.",
}

// titlePrefixes are prepended to some titles of a kind, by kind.
var titlePrefixesEN = map[string][]string{
	kindVideo:   {"Video: ", "Watch: ", "Talk: "},
	kindPodcast: {"Podcast: ", "Episode {E}: "},
	kindLink:    {"Link: ", "Worth Reading: ", "Elsewhere: "},
}

// textsByLanguage are the non-English templates; English uses the larger lists above.
type languageTexts struct {
	titles, summaries, headings, paragraphs []string
}

var otherLanguages = map[string]languageTexts{
	"fr": {
		titles: []string{
			"Guide pratique : {K}",
			"Pourquoi s'intéresser à {K}",
			"{N} leçons tirées d'une année de {T}",
			"Comprendre {K} en {N} minutes",
			"{T} en {Y} : ce qui a changé",
			"Ce que personne ne vous dit sur {K}",
			"{T} et {U} : un duo inattendu",
		},
		summaries: []string{
			"Un regard concret sur {K}, avec les compromis dont on parle rarement.",
			"Ce que nous avons appris sur {K} après {N} mois d'essais.",
			"Un tour d'horizon de {T} pour les lecteurs pressés.",
		},
		headings: []string{"Pourquoi c'est important", "Ce que nous avons essayé", "Les compromis", "Par où commencer"},
		paragraphs: []string{
			"La plupart des discussions sur {K} commencent au mauvais endroit. On veut savoir quel outil choisir, alors que la vraie question est de savoir quel problème on cherche à résoudre. Une fois ce point clarifié, les options se réduisent rapidement.",
			"Nous avons passé {N} semaines à étudier {K} de près. La première surprise a été la part du travail consacrée à ce que personne n'avait prévu : la documentation, les noms, et les explications données aux nouveaux venus.",
			"Si vous ne retenez qu'une chose sur {T}, retenez ceci : les petites améliorations s'additionnent. Les équipes qui progressent sur {K} le font rarement d'un seul coup, mais en rendant chaque étape un peu plus facile que la précédente.",
			"Le lien entre {T} et {L} est facile à manquer. Les deux récompensent la patience et punissent les raccourcis, et les deux dépendent de boucles de retour plus lentes qu'on ne le voudrait.",
			"Notre conseil : commencez plus petit que ce qui vous semble raisonnable. Choisissez un coin de {T}, appliquez-y {K}, et observez pendant quelques semaines avant d'élargir.",
		},
	},
	"de": {
		titles: []string{
			"Ein praktischer Leitfaden zu {K}",
			"Warum wir über {K} reden müssen",
			"{N} Lektionen aus einem Jahr {T}",
			"{T} im Jahr {Y}: Was sich geändert hat",
			"Was Ihnen niemand über {K} erzählt",
			"{K} verständlich erklärt",
			"{T} trifft {U}",
		},
		summaries: []string{
			"Ein praxisnaher Blick auf {K}, mit den Kompromissen, über die selten gesprochen wird.",
			"Was wir nach {N} Monaten über {K} gelernt haben.",
			"Ein kompakter Überblick über {T} für Eilige.",
		},
		headings: []string{"Warum das wichtig ist", "Was wir ausprobiert haben", "Die Kompromisse", "Wo man anfängt"},
		paragraphs: []string{
			"Die meisten Diskussionen über {K} beginnen an der falschen Stelle. Man will wissen, welches Werkzeug man wählen soll, obwohl die eigentliche Frage lautet, welches Problem man lösen möchte. Ist das geklärt, werden die Optionen schnell überschaubar.",
			"Wir haben {N} Wochen lang {K} genauer untersucht. Die erste Überraschung war, wie viel Aufwand in Dinge floss, die niemand geplant hatte: Dokumentation, Benennung und die Einarbeitung neuer Kolleginnen und Kollegen.",
			"Wer sich nur eines über {T} merkt, sollte sich dies merken: Kleine Verbesserungen summieren sich. Teams, die bei {K} besser werden, schaffen das selten mit einem großen Wurf, sondern Schritt für Schritt.",
			"Die Verbindung zwischen {T} und {L} wird leicht übersehen. Beide belohnen Geduld, beide bestrafen Abkürzungen, und beide hängen von Rückkopplungen ab, die langsamer sind, als uns lieb ist.",
			"Unser Rat: Fangen Sie kleiner an, als es sich bequem anfühlt. Wählen Sie einen Bereich von {T}, wenden Sie dort {K} an und beobachten Sie einige Wochen, bevor Sie ausweiten.",
		},
	},
	"es": {
		titles: []string{
			"Guía práctica de {K}",
			"Por qué hablar de {K}",
			"{N} lecciones de un año de {T}",
			"{T} en {Y}: qué ha cambiado",
			"Lo que nadie te cuenta sobre {K}",
			"{K}, explicado",
			"{T} y {U}: una pareja inesperada",
		},
		summaries: []string{
			"Una mirada práctica a {K}, con los compromisos de los que casi nadie habla.",
			"Lo que aprendimos sobre {K} después de {N} meses de pruebas.",
			"Un recorrido breve por {T} para lectores con poco tiempo.",
		},
		headings: []string{"Por qué importa", "Lo que probamos", "Los compromisos", "Por dónde empezar"},
		paragraphs: []string{
			"La mayoría de las conversaciones sobre {K} empiezan en el lugar equivocado. Queremos saber qué herramienta elegir, cuando la pregunta de fondo es qué problema intentamos resolver. Una vez aclarado eso, las opciones se reducen rápidamente.",
			"Pasamos {N} semanas estudiando {K} de cerca. La primera sorpresa fue cuánto esfuerzo se fue en cosas que nadie había previsto: la documentación, los nombres y las explicaciones para quienes llegaban a mitad del proyecto.",
			"Si solo recuerdas una cosa sobre {T}, que sea esta: las mejoras pequeñas se acumulan. Los equipos que mejoran en {K} rara vez lo hacen de golpe, sino haciendo cada paso un poco más fácil que el anterior.",
			"La relación entre {T} y {L} es fácil de pasar por alto. Ambos premian la paciencia, castigan los atajos y dependen de ciclos de retroalimentación más lentos de lo que quisiéramos.",
			"Nuestro consejo: empieza más pequeño de lo que parece cómodo. Elige un rincón de {T}, aplica {K} allí y observa durante unas semanas antes de ampliar.",
		},
	},
	"pt": {
		titles: []string{
			"Guia prático de {K}",
			"Por que falar de {K}",
			"{N} lições de um ano de {T}",
			"{T} em {Y}: o que mudou",
			"O que ninguém conta sobre {K}",
			"{K}, explicado",
			"{T} e {U}: uma dupla inesperada",
		},
		summaries: []string{
			"Um olhar prático sobre {K}, com as concessões de que quase ninguém fala.",
			"O que aprendemos sobre {K} depois de {N} meses de testes.",
			"Um passeio rápido por {T} para quem tem pouco tempo.",
		},
		headings: []string{"Por que isso importa", "O que testamos", "As concessões", "Por onde começar"},
		paragraphs: []string{
			"A maioria das conversas sobre {K} começa no lugar errado. Queremos saber qual ferramenta escolher, quando a pergunta de fundo é qual problema estamos tentando resolver. Depois disso, as opções diminuem rapidamente.",
			"Passamos {N} semanas estudando {K} de perto. A primeira surpresa foi quanto esforço foi para coisas que ninguém tinha previsto: documentação, nomes e explicações para quem chegou no meio do projeto.",
			"Se você lembrar de uma só coisa sobre {T}, que seja esta: pequenas melhorias se acumulam. Equipes que melhoram em {K} raramente o fazem de uma vez, mas tornando cada passo um pouco mais fácil que o anterior.",
			"A relação entre {T} e {L} é fácil de ignorar. Ambos recompensam a paciência, punem os atalhos e dependem de ciclos de retorno mais lentos do que gostaríamos.",
			"Nosso conselho: comece menor do que parece confortável. Escolha um canto de {T}, aplique {K} ali e observe por algumas semanas antes de ampliar.",
		},
	},
}

// The titles of the demo author's four showcase items, which demonstrate the access rules.
const (
	demoDraftTitle     = "Draft: Half-Finished Thoughts on {K}"
	demoScheduledTitle = "Coming Soon: The Future of {T}"
	demoMembersTitle   = "Members Only: A Deep Dive Into {K}"
	demoPrivateTitle   = "Private Notes on {K}"
)

var demoSummaries = map[int]string{
	specialDraft:     "A draft: only its author, editors and admins can see it.",
	specialScheduled: "Scheduled for later: readers will see it once its publication time arrives.",
	specialMembers:   "Open to members: readers see the summary, members and above read the body.",
	specialPrivate:   "Private: only its author, editors and admins can see it.",
}

// Preferences vocabulary.
var localesByLanguage = map[string][]string{
	"en": {"en-US", "en-US", "en-GB", "en-CA", "en-AU", "en-IE", "en-IN"},
	"fr": {"fr-FR", "fr-FR", "fr-CA", "fr-BE"},
	"de": {"de-DE", "de-DE", "de-AT", "de-CH"},
	"es": {"es-ES", "es-MX", "es-AR", "es-CO"},
	"pt": {"pt-BR", "pt-BR", "pt-PT"},
}

var timeZoneByLocale = map[string]string{
	"en-US": "America/New_York", "en-GB": "Europe/London", "en-CA": "America/Toronto",
	"en-AU": "Australia/Sydney", "en-IE": "Europe/Dublin", "en-IN": "Asia/Kolkata",
	"fr-FR": "Europe/Paris", "fr-CA": "America/Montreal", "fr-BE": "Europe/Brussels",
	"de-DE": "Europe/Berlin", "de-AT": "Europe/Vienna", "de-CH": "Europe/Zurich",
	"es-ES": "Europe/Madrid", "es-MX": "America/Mexico_City", "es-AR": "America/Argentina/Buenos_Aires",
	"es-CO": "America/Bogota", "pt-BR": "America/Sao_Paulo", "pt-PT": "Europe/Lisbon",
}

// US users are spread over more than one zone.
var usTimeZones = []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"}
