"""Norwegian texts for generated documents and referrals: activity plan goals, the four parts of
a justification (begrunnelse), and the intake team's comments when it returns a referral."""

from __future__ import annotations

import random
from collections.abc import Sequence

from org.vocabulary import CompetenceTag

PLAN_GOALS = (
    "Fast deltidsjobb i butikk innen ett år.",
    "Komme i arbeid innen lager og logistikk.",
    "Jobb som assistent i barnehage.",
    "Fullføre fagbrev som kokk.",
    "Varig tilrettelagt arbeid med faste arbeidsoppgaver.",
    "Avklare arbeidsevne og finne en realistisk yrkesretning.",
    "Jobb innen renhold eller vaktmestertjenester.",
    "Arbeid i kafé eller kantine, 50 prosent stilling.",
    "Komme tilbake i jobb som snekker med tilrettelegging.",
    "Lønnet arbeid i ordinær bedrift med lønnstilskudd.",
    "Jobb innen helse og omsorg, først som assistent.",
)
PLAN_ACTIVITIES = (
    "Arbeidstrening tre dager i uken. Oppfølgingssamtale med veileder hver fjerde uke.",
    "Norskopplæring og arbeidspraksis. Møte med fastlege om helsesituasjonen.",
    "Behandling hos DPS parallelt med arbeidsrettet aktivitet. Jobbsøking med støtte.",
    "Oppdatere CV, søke på minst to stillinger i måneden, delta på jobbklubb.",
    "Kartlegging av arbeidsevne og utprøving av arbeidsoppgaver hos arrangør.",
)

_NEED_BY_TAG = {
    CompetenceTag.PSYKISK_HELSE: (
        "Bruker har over flere år hatt angst og depresjon som gjør det vanskelig å stå i en "
        "jobb uten tett oppfølging."
    ),
    CompetenceTag.RUS: (
        "Bruker har en rushistorikk og har vært rusfri i over ett år, men trenger en trygg og "
        "strukturert arena for å prøve seg i arbeid."
    ),
    CompetenceTag.FYSISK_FUNKSJON: (
        "Bruker har varige plager i rygg og skuldre etter mange år i fysisk tungt arbeid og "
        "trenger tilrettelagte arbeidsoppgaver."
    ),
    CompetenceTag.KOGNITIV: (
        "Bruker har kognitive vansker og trenger faste rammer, tydelige instrukser og "
        "oppgaver som er tilpasset funksjonsnivået."
    ),
    CompetenceTag.SOSIAL: (
        "Bruker har lite nettverk, har vært utenfor arbeidslivet i flere år og trenger trening "
        "i å samarbeide med andre på en arbeidsplass."
    ),
    CompetenceTag.SPRAK: (
        "Bruker har begrensede norskkunnskaper og trenger arbeidstrening der det gis "
        "språkstøtte underveis."
    ),
    CompetenceTag.UNGE: (
        "Bruker er ung, har ikke fullført videregående skole og har ingen arbeidserfaring å "
        "vise til."
    ),
}
_NEED_GENERAL = (
    "Bruker har nedsatt arbeidsevne og har ikke klart å komme i arbeid gjennom ordinær "
    "oppfølging fra Nav."
)
_GOALS = {
    "VASV": (
        "Målet er en varig og meningsfull arbeidsplass med tilrettelagte oppgaver og faste rammer.",
        "Målet er å ha et stabilt arbeidstilbud tilpasset brukers helse, på sikt med noe "
        "arbeid i ordinær bedrift.",
    ),
    "ARBFORB": (
        "Målet er å prøve ut arbeidsevnen og komme over i ordinært arbeid, eventuelt med "
        "lønnstilskudd.",
        "Målet er å bygge opp arbeidstid og mestring gradvis, slik at bruker kan søke jobb "
        "innen lager eller butikk.",
    ),
    "APS": (
        "Målet er å kartlegge hvilke arbeidsoppgaver bruker mestrer og trene opp stabilt "
        "oppmøte over tid.",
    ),
}
_GOALS_GENERAL = (
    "Målet er å avklare hvilke arbeidsoppgaver bruker kan mestre og hvor mye bruker kan jobbe.",
    "Målet er å komme raskt i arbeid gjennom tett oppfølging og hjelp til jobbsøking.",
)
_WHY_PROGRAMME = {
    "VASV": (
        "Bruker har varig uføretrygd eller forventes å få det, og trenger et skjermet "
        "arbeidsmiljø med tett oppfølging over lang tid.",
    ),
    "ARBFORB": (
        "Arbeidsforberedende trening gir en skjermet arena der bruker kan trene på "
        "arbeidsoppgaver med tett oppfølging før overgang til ordinært arbeid.",
    ),
    "APS": (
        "Arbeidspraksis i skjermet virksomhet gir mulighet til å prøve ut arbeidsevnen i "
        "trygge omgivelser med tett oppfølging.",
    ),
}
_WHY_PROGRAMME_GENERAL = (
    "Tiltaket gir den kartleggingen og oppfølgingen bruker trenger for å komme videre mot "
    "arbeid, og det er ledig kapasitet i nærheten.",
)
_WHY_NOT_ORDINARY = (
    "Bruker har prøvd arbeidspraksis i ordinær bedrift to ganger uten å klare å gjennomføre, "
    "fordi tempoet og kravene ble for høye.",
    "Helsesituasjonen gjør at bruker foreløpig ikke tåler kravene i en ordinær arbeidsplass "
    "uten mer tilrettelegging enn en arbeidsgiver kan gi.",
    "Ordinære tiltak har vært vurdert, men bruker trenger tettere oppfølging og mer "
    "tilrettelegging enn det ordinære tiltak kan gi.",
)
# Long enough to pass the automatic check, too thin to convince the intake team.
_WEAK = (
    "Bruker har behov for tiltak for å komme nærmere arbeidslivet.",
    "Målet er at bruker skal komme i arbeid på sikt.",
    "Bruker ønsker dette tiltaket og er motivert for å delta.",
    "Ordinære tiltak anses ikke som aktuelt for bruker nå.",
)
# Too short for the automatic check: a draft not finished.
_SHORT_PARTS = ("", "Se notat.", "Trenger tiltak.", "Ønsker dette.", "Ikke aktuelt.", "Motivert.")


def _long_enough(rng: random.Random, parts: Sequence[str], min_chars: int) -> str:
    """One or two sentences from `parts`, more if the programme type asks for longer text."""
    text = rng.choice(parts)
    while len(text) < min_chars:
        text = f"{text} {rng.choice(_WHY_NOT_ORDINARY)}"
    return text


def justification(
    rng: random.Random, *, programme_code: str, needs: Sequence[str], min_chars: int
) -> tuple[str, str, str, str]:
    """A complete justification: need, goal, why this programme, why not an ordinary one."""
    need_texts = [_NEED_BY_TAG[CompetenceTag(tag)] for tag in needs] or [_NEED_GENERAL]
    need = " ".join(need_texts[:2])
    while len(need) < min_chars:
        need = f"{need} {_NEED_GENERAL}"
    return (
        need,
        _long_enough(rng, _GOALS.get(programme_code, _GOALS_GENERAL), min_chars),
        _long_enough(rng, _WHY_PROGRAMME.get(programme_code, _WHY_PROGRAMME_GENERAL), min_chars),
        _long_enough(rng, _WHY_NOT_ORDINARY, min_chars),
    )


def weak_justification(*, min_chars: int) -> tuple[str, str, str, str]:
    """Each part a generic sentence: long enough for the automatic check, too thin to pass
    the intake team's review."""
    parts = [text if len(text) >= min_chars else f"{text} {_NEED_GENERAL}" for text in _WEAK]
    return parts[0], parts[1], parts[2], parts[3]


def unfinished(rng: random.Random, parts: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
    """A draft's justification: one to three parts still empty or a few words."""
    as_list = list(parts)
    for index in rng.sample(range(4), rng.randint(1, 3)):
        as_list[index] = rng.choice(_SHORT_PARTS)
    return as_list[0], as_list[1], as_list[2], as_list[3]


RETURN_COMMENTS = {
    "CV_UTDATERT": "CV-en er ikke oppdatert det siste halvåret. Oppdater den sammen med bruker.",
    "AEV_UTDATERT": "Arbeidsevnevurderingen er mer enn ett år gammel og må fornyes.",
    "AKTIVITETSPLAN_UTDATERT": "Aktivitetsplanen er ikke oppdatert de siste tre månedene.",
    "BEGRUNNELSE_MANGELFULL": (
        "Begrunnelsen er for generell. Beskriv konkret hva bruker trenger, og hvorfor "
        "ordinære tiltak ikke er tilstrekkelig."
    ),
}


def return_comment(reasons: Sequence[str]) -> str:
    fixes = " ".join(RETURN_COMMENTS[code] for code in reasons)
    return f"{fixes} Send inn på nytt når det er rettet."


# Notes providers add to some capacity reports (most have none).
CAPACITY_NOTES = (
    "En deltaker avslutter i løpet av måneden.",
    "Kan ta imot nye fra mandag.",
    "Plassene passer godt for brukere som trenger tett oppfølging.",
    "Ta kontakt før oppstart, vi avtaler et bli kjent-møte først.",
    "Ledig etter at to deltakere har gått over i arbeid.",
)
