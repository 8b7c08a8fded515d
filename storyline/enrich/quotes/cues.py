"""Words that introduce reported speech, and the medium a statement went out on.

The verb list was drawn from the cues annotated in the PolNeAR training set
(political news, 840 articles), keeping verbs of saying and writing; verbs of
belief and wanting ("think", "want"), which the corpus also annotates, are left
out because they report attitudes rather than words.
"""

from __future__ import annotations

import re

# lemmas of verbs that introduce a quotation, direct or indirect
SPEECH_VERBS = frozenset(
    [
        "say",
        "tell",
        "add",
        "claim",
        "insist",
        "warn",
        "argue",
        "suggest",
        "announce",
        "explain",
        "state",
        "note",
        "deny",
        "confirm",
        "report",
        "write",
        "tweet",
        "post",
        "ask",
        "reply",
        "respond",
        "answer",
        "declare",
        "acknowledge",
        "admit",
        "concede",
        "stress",
        "emphasise",
        "emphasize",
        "reiterate",
        "recall",
        "predict",
        "promise",
        "pledge",
        "vow",
        "assert",
        "contend",
        "maintain",
        "observe",
        "remark",
        "comment",
        "complain",
        "joke",
        "quip",
        "boast",
        "accuse",
        "urge",
        "demand",
        "agree",
        "tout",
        "hail",
        "caution",
        "conclude",
        "reveal",
        "disclose",
        "estimate",
        "read",
        "mention",
        "testify",
        "allege",
        "brag",
        "lament",
        "muse",
        "shout",
        "scream",
        "chant",
        "sing",
        "whisper",
        "exclaim",
        "proclaim",
        "counter",
        "retort",
        "rebut",
        "charge",
        "indicate",
        "hint",
        "describe",
        "call",
        "label",
        "dub",
        "brand",
        "question",
        "wonder",
        "signal",
        "vouch",
        "affirm",
        "concur",
        "outline",
        "predict",
        "threaten",
        "blast",
        "slam",
        "criticise",
        "criticize",
        "praise",
        "thank",
        "apologise",
        "apologize",
        "plead",
        "tease",
        "scoff",
        "sniff",
        "snap",
        "announce",
        "reckon",
        "figure",
        "echo",
        "spell",
        "underline",
        "underscore",
        "highlight",
        "add",
        "put",
        "text",
        "email",
        "message",
        "broadcast",
        "publish",
        "rule",
        "find",
        "show",
        "conclude",
        "continue",
        "interject",
        "yell",
        "holler",
        "bark",
        "assure",
        "quote",
        "elaborate",
        "confess",
        "repeat",
        "recount",
        "mock",
        "opine",
        "exhort",
        "demur",
        "gush",
        "mouth",
    ]
)

_IRREGULAR = {"say": ("said",), "tell": ("told",), "write": ("wrote",), "read": ("read",), "sing": ("sang",)}


def _forms(lemma: str) -> set[str]:
    """The third-person and past forms of a regular verb, and the irregular past where listed."""
    third = (
        lemma + "es"
        if lemma.endswith(("s", "sh", "ch", "x", "z"))
        else lemma[:-1] + "ies"
        if lemma.endswith("y") and lemma[-2] not in "aeiou"
        else lemma + "s"
    )
    past = (
        lemma + "d"
        if lemma.endswith("e")
        else lemma[:-1] + "ied"
        if lemma.endswith("y") and lemma[-2] not in "aeiou"
        else lemma + "ed"
    )
    return {third, past, *_IRREGULAR.get(lemma, ())}


# finite forms of the verbs of saying, for a tagger that takes "the editorial read" or
# "Conway notes" for nouns
SPEECH_FORMS = frozenset(form for lemma in SPEECH_VERBS for form in _forms(lemma))

# verbs of saying not taken to introduce a "that" clause: most have an object, a quote or a manner
# of speaking for content ("praised the plan", "called it a sham", "shouted")
_NO_CLAUSE = frozenset(
    [
        "accuse", "apologise", "apologize", "ask", "bark", "blast", "brand", "broadcast", "call", "chant",
        "continue", "criticise", "criticize", "demand", "demur", "describe", "dub", "email", "exclaim",
        "exhort", "figure", "gush", "hail", "holler", "interject", "label", "message", "mock", "mouth",
        "muse", "opine", "outline", "plead", "praise", "proclaim", "publish", "put", "question", "quip",
        "quote", "read", "rebut", "recount", "repeat", "scoff", "scream", "shout", "sing", "slam", "snap",
        "sniff", "spell", "tease", "text", "thank", "threaten", "tout", "urge", "vouch", "whisper",
        "wonder", "yell",
    ]
)

# verbs that introduce an indirect quote through a clause ("X said that ...")
CLAUSE_VERBS = SPEECH_VERBS - _NO_CLAUSE

# verbs of saying whose content is an infinitive: "vowed to continue the fight",
# "urged Congress to act", "asked the group to donate the profits"
INFINITIVE_VERBS = frozenset(
    [
        "promise",
        "pledge",
        "vow",
        "urge",
        "ask",
        "tell",
        "call",
        "warn",
        "threaten",
        "agree",
        "demand",
        "plead",
        "beg",
        "encourage",
        "advise",
        "offer",
        "propose",
        "challenge",
    ]
)

# verbs of saying whose content is their object: "announced a $275 billion plan",
# "denied the allegations"; with a preposition: "called for tighter controls",
# "warned of the implications", "asked about her vote"
OBJECT_VERBS = frozenset(
    ["announce", "deny", "confirm", "propose", "unveil", "predict", "demand", "promise", "pledge"]
)
# verbs that name or judge something in words: "called the deal “a disaster”",
# "described his leadership skills as a work in progress"
NAMING_VERBS = frozenset(["call", "describe", "label", "brand", "dub", "characterize", "characterise"])
PREPOSITION_CONTENT = {
    "call": ("for",),
    "warn": ("of", "about", "against"),
    "complain": ("about", "of"),
    "argue": ("for", "against"),
}  # "spoke about the summit", "asked about", "wrote about": a topic, not words said

# "was understood to have ...", "is believed to", "is said to": the writer's hedge, nobody's words
HEDGE_VERBS = frozenset({"understand", "believe", "think", "expect", "say", "report", "know", "rumour",
                         "rumor", "suppose", "consider", "see", "tip"})

# nouns that stand for the institution or person they speak for
SPOKES_NOUNS = frozenset(
    [
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "statement",
        "readout",
        "release",
        "source",
        "sources",
        "official",
        "officials",
        "aide",
        "aides",
        "representative",
        "representatives",
        "office",
        "spokespeople",
        "communique",
        "communiqué",
        "post",
        "tweet",
        "letter",
        "memo",
        "briefing",
        "announcement",
        "account",
    ]
)

# well-known metonyms for the institution they name
INSTITUTION_ALIASES = {
    "no 10": "Downing Street",
    "no. 10": "Downing Street",
    "number 10": "Downing Street",
    "number ten": "Downing Street",
    "eu": "European Union",
}

_PLATFORMS = (
    r"X|Twitter|Facebook|Instagram|Telegram|TikTok|YouTube|LinkedIn|Threads|Bluesky|Weibo|WhatsApp"
    r"|Truth Social|social media|Substack|Reddit"
)
_MEDIA = [
    # "on his Truth Social platform", "on her Instagram account"
    re.compile(
        r"\bon (?:his|her|their|its|the) (?P<m>[A-Z][\w.-]*(?: [A-Z][\w.-]*)*) (?:platform|account|page|channel|feed|site)\b"
    ),
    # "on X", "Posting on social media", "in a post on Telegram"
    re.compile(rf"\b(?:on|to|via) (?P<m>{_PLATFORMS})\b"),
    # "in a statement", "at a news briefing", "during a lengthy press conference"
    re.compile(
        r"\b(?:in|at|during|through) (?P<det>an?|the|his|her|their|its) (?:[\w-]+ ){0,2}?"
        r"(?P<m>(?:joint |written |televised |video |radio |brief )?(?:statement|interview|news briefing|news conference|"
        r"press conference|press briefing|briefing|speech|post|letter|op-ed|email|e-mail|tweet|video|"
        r"podcast|broadcast|address|memo|blog post|radio interview|television interview|TV interview))\b"
    ),
]
_ARTICLE = re.compile(r"^(?:an?|the|his|her|their|its)$", re.IGNORECASE)


def find_medium(frame: str) -> str | None:
    """The medium named in the attribution ``frame`` (text outside the quote), or None."""
    for pattern in _MEDIA:
        m = pattern.search(frame)
        if m is None:
            continue
        name = m.group("m")
        if "det" in pattern.groupindex:
            article = "an" if name[0].lower() in "aeiou" else "a"
            return f"{article} {name}"
        return name
    return None


def is_article(word: str) -> bool:
    return bool(_ARTICLE.match(word))
