"""The short, documented list of boilerplate shapes that text dumps carry.

Most boilerplate is found without this list: appeals and chrome that repeat across
articles of one source are learned by :class:`storyline.clean.boilerplate.BoilerplateModel`,
and captions are recognised by their shape.  The list covers what a *first* article of
an unseen source needs: calls to action that every paywall, app and aggregator uses,
in words that do not occur in news prose.  Each entry says what it matches.

All patterns run on one sentence or line with whitespace already normalised, and are
case-insensitive.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# The plain-text header some scrapers write: " date 2025-12-08 <rest of the first paragraph>".
DATE_HEADER = re.compile(r"^\s*(?:date|published|posted|updated)\s*:?\s+(\d{4}-\d{2}-\d{2})\b\s*", _I)

# A whole line that is interface, never prose: gallery and media markers, ad slots.
# These are removed wherever they stand in the document.
MARKER_LINE = re.compile(
    r"^(?:"
    r"open image in gallery"  # image gallery button text
    r"|(?:view|see|open|expand) (?:image|photo|picture|gallery|all \d+ (?:images|photos))(?: in (?:gallery|full ?screen))?"
    r"|(?:skip )?advertisement|ad|sponsored(?: content)?"  # ad slots
    r"|(?:story|article) continues (?:below|after (?:this )?advertisement)"
    r"|scroll (?:down )?to continue(?: reading)?"
    r"|(?:play|watch)(?: the)? video|video(?: player)? loading|image \d+ of \d+|\d+ of \d+"
    r")[.:]?$",
    _I,
)

# Short calls to action (a whole sentence or line of at most a few words): buttons and
# links of paywalls, apps and aggregators.
CALL_TO_ACTION = re.compile(
    r"^(?:"
    r"read more|read (?:the )?full (?:article|story)|continue reading|(?:start|keep) reading"
    r"|support (?:us|now|our \w+)|donate(?: now)?|subscribe(?: now| today)?|(?:log|sign) ?(?:in|up|out)(?: here| now)?"
    r"|register(?: now)?|join (?:now|today|us)|already (?:a|an) (?:member|subscriber|account holder)\??"
    r"|already have an account\??|(?:download|get) (?:the|our) app|one app\.? one membership"
    r"|(?:related|more|top|recommended|popular|trending|latest|most read|editor'?s'? picks) (?:stories|articles|news|reads|posts|videos)"
    r"|(?:our|editor'?s'?|today'?s) picks|share (?:this|on \w+)|follow us(?: on \w+)?"
    r"|[\w-]+ days? free|free trial|try (?:it )?(?:for )?free"
    r")(?: (?:with|on|in|at|from) [A-Z][\w.]*(?: [A-Z][\w.]*){0,3})?[.!:]?$",  # "... with Newsdeck"
    _I,
)

# Phrases that address the reader about the publication itself: appeals for money,
# subscriptions, accounts, apps.  A sentence with one of these *and* a second-person or
# first-person-plural pronoun outside quotation marks is an appeal.
APPEAL_PHRASE = re.compile(
    r"\b(?:"
    r"your (?:support|donation|contribution|subscription|generosity|membership)"
    r"|support (?:us|our (?:work|journalism|reporting|newsroom))|support (?:independent|quality) (?:journalism|news)"
    r"|donat(?:e|es|ed|ion|ions|ing)\b|make a (?:contribution|donation)"
    r"|subscri(?:be|ption|ptions)\b|paywalls?\b|membership\b|become a (?:member|subscriber|supporter)"
    r"|(?:independent|quality|trusted|our|public[- ]interest) journalism"
    r"|reader[- ](?:funded|supported)|sign (?:up|in)\b|log ?in\b|newsletters?\b"
    r"|premium (?:titles|content|access|articles)|(?:all )?(?:your|the) news in one place"
    r"|(?:download|get) (?:the|our) app|free trial|days? free\b|read more\b|start reading"
    r")",
    _I,
)

# Pronouns that address or stand for the publication; counted outside quotation marks.
READER_PRONOUN = re.compile(r"\b(?:you|your|yours|yourself)\b", _I)
PUBLICATION_PRONOUN = re.compile(r"\b(?:we|us|our|ours)\b", _I)

# An aggregator naming itself in its footer: "Top stories on inkl right now".
AGGREGATOR_SELF_NAME = re.compile(
    r"\b(?:top |more |latest )?(?:stories|news) on ([A-Za-z][\w.]{1,20}) right now\b", _I
)

# A photo credit in parentheses: "(AFP/Getty)", "(Jeff Moore/PA)", "(Reuters)",
# "(AP Photo/Evan Vucci)", "(Getty Images for X)".  Parts are short runs of capitalised
# words (or known lower-case joiners) separated by "/", ";", "," or " via ".
CREDIT = re.compile(
    r"\((?P<credit>(?:Photo(?:graph)?s?:?\s*|Image:?\s*|Picture:?\s*|Credit:?\s*)?"
    r"[A-Z][\w.&'’-]*:?(?:[ /;,-]+(?:[A-Z][\w.&'’-]*:?|via|for|and|de|van|von|der|da|di|la|le|du|el|al|bin|photo|images?|pool|handout|file))*)\)"
)
# Characters that end a sentence; a caption's text before its credit does not end with one.
SENTENCE_END = re.compile(r"[.!?:;…]$")

# Name particles allowed inside a person's name ("Ursula von der Leyen").
NAME_PARTICLES = frozenset(
    {"de", "van", "von", "der", "den", "da", "di", "la", "le", "du", "el", "al", "bin", "ibn", "dos", "das"}
)
