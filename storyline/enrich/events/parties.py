"""Who takes part in an event: every party the sentence names or implies.

Subjects and objects of the trigger or the verb it hangs from ("spoke with", "host", "joined"),
coordinations through appositions, "along with", "including", "alongside", "a handful of",
"the two leaders" (the two people just named), and groups ("European allies") as one party.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Token

from storyline.article import Entity
from storyline.enrich.events.words import (
    ACTOR_TYPES,
    COLLECTIVE_NOUNS,
    COMPANY_VERBS,
    CONVENE_VERBS,
    GROUP_NOUNS,
    GROUP_TYPES,
    LANDMARK_CITIES,
    NOT_GROUP_WORDS,
    ONE_PARTY,
    PAIR_WORDS,
    PARTY_PREPOSITIONS,
    PLACE_ONLY_PREPOSITIONS,
    PLACE_TYPES,
    QUANTITIES,
    REFERENCE_PREPOSITIONS,
    SUBJECTS,
    TITLE_NOUNS,
    TRIGGERS,
    Mention,
)

__all__ = ["Party", "convened", "covering", "gathering", "parties"]

@dataclass(slots=True)
class Party:
    """One side of an event: a person or organisation of the article, or a group the sentence names."""

    name: str
    entity: Entity | None = None
    at: int = 0  # where the sentence names it (parties are listed in text order)
    side: int = 0  # which linked word named it: groups join only within one side


def _governing_verb(token: Token) -> Token | None:
    """The verb a noun trigger hangs from ("convened a call", "is in Washington for talks")."""
    current = token
    for _ in range(4):
        if current.dep_ not in {"dobj", "pobj", "prep", "attr", "nsubj", "nsubjpass", "appos", "conj"}:
            break
        current = current.head
        if current.pos_ in {"VERB", "AUX"}:
            return current
    return None


def _subjects(verb: Token) -> list[Token]:
    """The verb's subjects; for a verb without one ("before joining him"), those of the clause
    it belongs to, a few steps up."""
    current = verb
    for _ in range(3):
        found = [c for c in current.children if c.dep_ in SUBJECTS]
        if found:  # "Ban Ki-moon, who is due to visit Haiti": the relative pronoun stands for its antecedent
            return [c.head.head if c.tag_ in ("WP", "WDT") and c.head.dep_ == "relcl" else c for c in found]
        if current.dep_ == "acl" and current.tag_ == "VBG" and current.head.pos_ in ("NOUN", "PROPN"):
            return [current.head]  # "officials meeting with opposition leaders": the noun does it
        owners = [c for c in current.head.children if c.dep_ == "poss"] if current.dep_ == "acl" else []
        if owners:
            return owners  # "her decision to meet with him", "his plan to visit Warsaw": the owner does it
        if current.dep_ not in ("xcomp", "advcl", "pcomp", "conj", "acl", "acomp") or current.head.i == current.i:
            return []
        gerund = current.dep_ == "pcomp" and current.tag_ == "VBG"
        current = current.head
        if current.dep_ == "prep" or current.pos_ == "ADP":
            current = current.head
        if gerund and current.pos_ not in ("VERB", "AUX"):
            # "Kerr praised his courage ahead of joining him": the doer of the clause the
            # preposition hangs in does the gerund
            above = next((a for a in current.ancestors if a.pos_ in ("VERB", "AUX")), None)
            if above is None:
                return []
            current = above
    return []


def _linked(trigger: Token) -> list[Token]:
    """Tokens naming who takes part: subjects, "with" partners, possessors, company objects."""
    linked: list[Token] = []
    verbs = [trigger] if trigger.pos_ == "VERB" else []
    if trigger.pos_ == "NOUN":
        linked += [c for c in trigger.children if c.dep_ == "poss"]
        owned = any(c.dep_ == "poss" for c in trigger.children) or (
            trigger.i > 0 and trigger.doc[trigger.i - 1].tag_ == "POS")
        if owned and trigger.dep_ in ("appos", "conj") and trigger.head.pos_ == "PROPN":
            linked.append(trigger.head)  # "Mr Putin and Mr Trump's negotiations" read as "Putin, negotiations"
        # "after the talks", "ahead of the meeting between A and B": the sentence's
        # subject did something else around the event, so only the noun's own
        # partners take part.
        referenced = trigger.dep_ == "pobj" and (
            trigger.head.lower_ in REFERENCE_PREPOSITIONS or trigger.head.head.lower_ in REFERENCE_PREPOSITIONS
        )
        verb = None if referenced else _governing_verb(trigger)
        if verb is not None:
            verbs.append(verb)
    for verb in verbs:
        subjects = _subjects(verb)
        linked += subjects
        for subject in subjects:  # "Moreau, whom Mr Brandt welcomed at the door, ... to the meeting"
            for clause in subject.children:
                if clause.dep_ == "relcl" and clause.lemma_.lower() in COMPANY_VERBS:
                    linked += [c for c in clause.children if c.dep_ in SUBJECTS]
        if TRIGGERS.get(trigger.lemma_.lower()) in ONE_PARTY:
            continue  # a statement or briefing is given by its subject, not by whom it is about
        if verb.lemma_.lower() in COMPANY_VERBS or verb.i == trigger.i:
            linked += [c for c in verb.children if c.dep_ == "dobj" and c.i != trigger.i]
    kind = TRIGGERS.get(trigger.lemma_.lower())
    heads = [trigger, *verbs]
    reduced = _reduced_clause(trigger)
    if reduced is not None:  # "talks, chaired by Ms Kerr, with ministers": the parser hangs the
        heads.append(reduced)  # participle on the main verb; its agent and partners take part
        for agent in (c for c in reduced.children if c.dep_ == "agent"):
            linked += [c for c in agent.children if c.dep_ == "pobj"]
    for head in heads:
        for prep in head.children:
            if prep.dep_ != "prep":
                continue
            if (
                prep.lower_ in PARTY_PREPOSITIONS
                or (prep.lower_ == "to" and kind == "call")  # "spoke to Mubarak by telephone", "a call to"
                or (prep.lower_ == "of" and head.i == trigger.i and trigger.pos_ == "NOUN" and kind != "visit")
            ):  # "a meeting of EU health ministers"
                linked += [c for c in prep.children if c.dep_ == "pobj"]
            if prep.dep_ in ("prep", "advmod") and prep.lower_ in ("along", "together"):
                for inner in prep.children:  # "along with France's Emmanuel Macron"
                    if inner.dep_ == "prep" and inner.lower_ == "with":
                        linked += [c for c in inner.children if c.dep_ == "pobj"]
    if trigger.pos_ == "NOUN":
        linked += [c for c in trigger.children
                   if c.dep_ in ("compound", "nmod") and (c.ent_type_ in ("PERSON", "ORG", "NORP") or c.pos_ == "PROPN")]
    return linked


def _reduced_clause(trigger: Token) -> Token | None:
    """The participle right after a noun trigger and a comma ("talks, co-chaired by ..."), when
    it says who holds the event."""
    doc = trigger.doc
    if trigger.pos_ != "NOUN" or trigger.i + 2 >= len(doc) or doc[trigger.i + 1].text != ",":
        return None
    at = trigger.i + 2
    if doc[at].lower_ == "co" and at + 2 < len(doc) and doc[at + 1].text == "-":
        at += 2  # "co-chaired", which the tokenizer splits
    word = doc[at]
    if word.tag_ == "VBN" and word.lemma_.lower() in CONVENE_VERBS | COMPANY_VERBS:
        return word
    return None


def _members(token: Token) -> list[Token]:
    """The token, its coordinated partners and those it includes ("leaders, including Zelensky"),
    through appositions ("Starmer, French President Emmanuel Macron, ... and Merz")."""
    found = [token]
    seen = {token.i}
    at = 0
    while at < len(found) and len(found) < 40:
        member = found[at]
        at += 1
        more = [*member.conjuncts, *(c for c in member.children if c.dep_ == "appos")]
        # "Mr Trump and Russian President Vladimir Putin" parsed as a modifier with a conjunct
        more += [c for c in member.children if c.dep_ == "nmod" and any(g.dep_ == "cc" for g in c.children)]
        for prep in member.children:
            if prep.dep_ == "prep" and prep.lower_ == "of" and member.lemma_.lower() in QUANTITIES:
                more += [obj for obj in prep.children if obj.dep_ == "pobj"]  # "a handful of fishermen"
            if prep.dep_ == "prep" and prep.lower_ in ("including", "alongside", "like"):
                more += [obj for obj in prep.children if obj.dep_ == "pobj"]
            if prep.dep_ in ("prep", "advmod") and prep.lower_ in ("along", "together"):
                for inner in prep.children:  # "Starmer, along with France's Emmanuel Macron"
                    if inner.dep_ == "prep" and inner.lower_ == "with":
                        more += [obj for obj in inner.children if obj.dep_ == "pobj"]
        for other in more:
            if other.i not in seen:
                seen.add(other.i)
                found.append(other)
    return found


def _phrase(token: Token) -> tuple[int, int]:
    """Characters of a noun phrase without its clauses: "French President Emmanuel Macron"."""
    start = token
    for left in token.lefts:
        if (
            left.dep_ in {"compound", "amod", "poss", "det", "nmod", "case", "punct", "appos"}
            or left.ent_type_
        ):
            start = left.left_edge if left.dep_ != "punct" else start
            break
    end = token.idx + len(token)
    for right in token.rights:
        if right.dep_ in {"appos", "compound"} or (right.ent_type_ and right.dep_ != "conj"):
            end = max(end, right.right_edge.idx + len(right.right_edge))
    return start.idx, end


def _group_name(token: Token) -> str | None:
    """ "European allies" for a plural group noun, None for anything else."""
    lemma = token.lemma_.lower()
    plural = lemma in GROUP_NOUNS and token.tag_ in ("NNS", "NNPS")
    if not plural and not (lemma in COLLECTIVE_NOUNS and token.pos_ == "NOUN"):
        return None
    words = [c for c in token.lefts if c.dep_ in ("amod", "compound", "nmod") and c.lower_ not in NOT_GROUP_WORDS]
    if any(c.dep_ == "nummod" and c.lower_ in PAIR_WORDS for c in token.lefts):
        return None
    if words:
        first = min(w.left_edge.i for w in words)
        return token.doc[first : token.i + 1].text
    return token.text


def _group_after_and(token: Token) -> str | None:
    """ "European leaders" when the parser made one phrase of "President Ana Silva and European
    leaders" (the person a modifier of the group noun): the group is a party too."""
    if _group_name(token) is None:
        return None
    words = token.doc[token.left_edge.i : token.i]
    joints = [w for w in words if w.lower_ == "and" and w.dep_ == "cc"]
    if not joints:
        return None
    after = token.doc[joints[-1].i + 1 : token.i + 1]
    if any(w.pos_ == "PROPN" and w.ent_type_ == "PERSON" for w in after):
        return None
    return after.text


def _title(token: Token) -> str | None:
    """ "vice president" for a person named only by a singular title ("the vice president
    began talks"), None for anything else."""
    if token.pos_ != "NOUN" or token.tag_ != "NN" or token.lemma_.lower() not in TITLE_NOUNS:
        return None
    words = [c for c in token.lefts if c.dep_ in ("amod", "compound") and c.lower_ not in NOT_GROUP_WORDS]
    first = min((w.left_edge.i for w in words), default=token.i)
    return token.doc[first : token.i + 1].text


def _employer(token: Token, mentions: list[Mention]) -> Mention | None:
    """The organisation a group or title belongs to: "officials from the WHO", "analysts at
    Citibank", "representatives of the union"."""
    for prep in token.children:
        if prep.dep_ != "prep" or prep.lower_ not in ("from", "at", "of"):
            continue
        for obj in prep.children:
            named = covering(mentions, obj) if obj.dep_ == "pobj" else None
            if named is not None and named.entity.type == "ORG":
                return named
    return None


def _is_pair(token: Token) -> bool:
    """ "the two leaders", "both men", "the pair"."""
    if token.lower_ == "pair" or (token.lower_ == "both" and token.pos_ == "PRON"):
        return True
    return token.tag_ == "NNS" and any(c.lower_ in PAIR_WORDS for c in token.lefts)


def covering(mentions: list[Mention], token: Token) -> Mention | None:
    for mention in mentions:
        if mention.start <= token.idx < mention.end:
            return mention
    return None


def parties(trigger: Token, mentions: list[Mention], earlier: list[Mention]) -> list[Party]:
    found_parties: list[Party] = []

    def add(party: Party) -> None:
        key = party.entity.id if party.entity is not None else party.name
        if all((p.entity.id if p.entity is not None else p.name) != key for p in found_parties):
            found_parties.append(party)

    for side, token in enumerate(_linked(trigger)):
        for member in _members(token):
            if _is_pair(member):
                people: list[Entity] = []
                for mention in reversed(earlier):
                    if mention.entity.type in ACTOR_TYPES and mention.entity not in people:
                        people.append(mention.entity)
                    if len(people) == 2:
                        break
                if len(people) == 2:
                    for person in reversed(people):
                        add(Party(person.name, person, member.idx, side))
                continue
            if TRIGGERS.get(trigger.lemma_.lower()) == "visit":
                named = covering(mentions, member)
                if named is not None and (named.entity.type in PLACE_TYPES or named.entity.name in LANDMARK_CITIES):
                    continue  # "visit Haiti": the place visited, not a party
            if member.head.i == trigger.i and member.dep_ in ("compound", "nmod"):
                named = covering(mentions, member)
                if named is not None and (named.entity.type in PLACE_TYPES or named.entity.name in LANDMARK_CITIES):
                    continue  # "Downing Street talks", "the Alaska summit": where, not who
            if member.dep_ == "pobj" and member.head.lower_ in PLACE_ONLY_PREPOSITIONS:
                named = covering(mentions, member)
                if named is not None and named.entity.type in PLACE_TYPES:
                    continue  # "the streets of Cairo", "in Paris": where, not who
            said = covering(mentions, member)
            if member.lower_ in PERSONAL_PRONOUNS and (
                said is None
                or (member.dep_ in ("dobj", "pobj")
                    and any(p.entity is not None and p.entity.id == said.entity.id for p in found_parties))
            ):  # "Starmer ... ahead of joining him": him is not the one who joins
                antecedent = _antecedent(member, mentions, earlier, found_parties)
                if antecedent is not None:
                    add(Party(antecedent.name, antecedent, member.idx, side))
                continue
            start, end = _phrase(member)
            found = [m for m in mentions if start <= m.start and m.end <= end and m.entity.type in ACTOR_TYPES]
            holder = covering(mentions, member)
            if holder is not None and holder.entity.type in ACTOR_TYPES:
                found = [holder, *found]
            if found:
                for mention in found[:1] if holder is not None else found:
                    add(Party(mention.entity.name, mention.entity, mention.start, side))
                rest = _group_after_and(member)
                if rest is not None:
                    add(Party(rest, None, member.idx, side))
                continue
            if holder is not None and holder.entity.type in GROUP_TYPES and (
                holder.entity.type != "NORP" or member.tag_ in ("NNS", "NNPS")
            ):
                add(Party(holder.entity.name, holder.entity, holder.start, side))
                continue  # "talks with the Kremlin", "the Europeans"
            if member.dep_ in ("amod", "compound") and _group_name(member.head) is not None:
                member = member.head  # "European" in "European leaders"
            group = _group_name(member) or _title(member)
            employer = _employer(member, mentions) if group is not None else None
            if employer is not None:
                add(Party(employer.entity.name, employer.entity, employer.start, side))
                continue  # "officials from the Pan American Health Organization": the organisation
            if group is not None:
                add(Party(group, None, member.idx, side))
    found_parties.sort(key=lambda p: p.at)
    return _join_groups(found_parties)


PERSONAL_PRONOUNS = frozenset({"he", "him", "she", "her"})


def _antecedent(pronoun: Token, mentions: list[Mention], earlier: list[Mention],
                taken: list[Party]) -> Entity | None:
    """The person "he" or "him" stands for: the last person named before it (in its sentence or
    the two before); an object ("joining him") is not the one already taking part as subject."""
    candidates = [m for m in [*earlier, *mentions] if m.end <= pronoun.idx and m.entity.type == "PERSON"]
    exclude = {p.entity.id for p in taken if p.entity is not None} if pronoun.dep_ in ("dobj", "pobj") else set()
    for mention in reversed(candidates):
        if mention.entity.id not in exclude:
            return mention.entity
    return None


def gathering(trigger: Token) -> bool:
    """A group meeting among itself: "EU health ministers are to meet", "a meeting of experts"."""
    lemma = trigger.lemma_.lower()
    if trigger.pos_ == "VERB" and lemma in ("meet", "gather", "convene"):
        return not any(c.dep_ in ("dobj", "prep") and c.lower_ not in ("on", "in", "at", "to", "for")
                       for c in trigger.children if c.dep_ == "dobj" or c.lower_ == "with")
    return trigger.pos_ == "NOUN" and any(c.dep_ == "prep" and c.lower_ == "of" for c in trigger.children)


def convened(trigger: Token) -> bool:
    """A meeting its one named party calls, chairs, hosts or attends: "called an emergency
    meeting", "chaired the talks" (the others are implied, not named)."""
    return (
        trigger.pos_ == "NOUN"
        and trigger.dep_ == "dobj"
        and trigger.head.lemma_.lower() in CONVENE_VERBS
        and any(c.dep_ in SUBJECTS for c in trigger.head.children)
    )


def _join_groups(parties: list[Party]) -> list[Party]:
    """Groups named side by side are one party: "leaders and officials from 30 countries"."""
    joined: list[Party] = []
    for party in parties:
        if joined and party.entity is None and joined[-1].entity is None and joined[-1].side == party.side:
            joined[-1] = Party(f"{joined[-1].name} and {party.name}", None, joined[-1].at, party.side)
        else:
            joined.append(party)
    return joined

