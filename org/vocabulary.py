"""NAV's codes shared by several apps (DOMAIN.md section 3). Stored values are NAV's own, so
that data can be exchanged with NAV's systems; labels are Norwegian and translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedGroup(models.TextChoices):
    """innsatsgruppe (§ 14 a decision)"""

    STANDARD_INNSATS = "STANDARD_INNSATS", _("Gode muligheter (standard innsats)")
    SITUASJONSBESTEMT_INNSATS = "SITUASJONSBESTEMT_INNSATS", _("Situasjonsbestemt innsats")
    SPESIELT_TILPASSET_INNSATS = "SPESIELT_TILPASSET_INNSATS", _("Spesielt tilpasset innsats")
    GRADERT_VARIG_TILPASSET_INNSATS = (
        "GRADERT_VARIG_TILPASSET_INNSATS",
        _("Gradert varig tilpasset innsats"),
    )
    VARIG_TILPASSET_INNSATS = "VARIG_TILPASSET_INNSATS", _("Varig tilpasset innsats")


# The need groups the sheltered programmes admit (DOMAIN.md section 4, seed L3324-3328).
ADAPTED_NEED_GROUPS = (
    NeedGroup.SPESIELT_TILPASSET_INNSATS,
    NeedGroup.GRADERT_VARIG_TILPASSET_INNSATS,
    NeedGroup.VARIG_TILPASSET_INNSATS,
)


class ProtectionLevel(models.TextChoices):
    """adressebeskyttelse, and NAV's own skjerming of its employees"""

    UGRADERT = "UGRADERT", _("Ugradert")
    FORTROLIG = "FORTROLIG", _("Fortrolig adresse (kode 7)")
    STRENGT_FORTROLIG = "STRENGT_FORTROLIG", _("Strengt fortrolig adresse (kode 6)")
    SKJERMET = "SKJERMET", _("Skjermet (Nav-ansatt)")


class CompetenceTag(models.TextChoices):
    """What a provider is good at, and what a person needs (DOMAIN.md section 6)."""

    RUS = "RUS", _("Rus")
    PSYKISK_HELSE = "PSYKISK_HELSE", _("Psykisk helse")
    FYSISK_FUNKSJON = "FYSISK_FUNKSJON", _("Fysisk funksjonsnedsettelse")
    SPRAK = "SPRAK", _("Språkstøtte")
    UNGE = "UNGE", _("Unge")
    KOGNITIV = "KOGNITIV", _("Kognitive vansker")
    SOSIAL = "SOSIAL", _("Sosiale vansker")


class Benefit(models.TextChoices):
    """ytelse"""

    AAP = "AAP", _("Arbeidsavklaringspenger (AAP)")
    TILTAKSPENGER = "TILTAKSPENGER", _("Tiltakspenger")
    DAGPENGER = "DAGPENGER", _("Dagpenger")
    SOSIALHJELP = "SOSIALHJELP", _("Økonomisk sosialhjelp")
    UFORETRYGD = "UFORETRYGD", _("Uføretrygd")
    INGEN = "INGEN", _("Ingen ytelse")


class EducationLevel(models.TextChoices):
    INGEN = "INGEN", _("Ingen fullført utdanning")
    GRUNNSKOLE = "GRUNNSKOLE", _("Grunnskole")
    VIDEREGAENDE = "VIDEREGAENDE", _("Videregående skole")
    FAGBREV = "FAGBREV", _("Fag- eller svennebrev")
    HOYERE = "HOYERE", _("Høyere utdanning")
    UKJENT = "UKJENT", _("Ukjent")


class CountryBackground(models.TextChoices):
    NORGE = "NORGE", _("Født i Norge")
    EOS = "EOS", _("Innvandrer fra EØS")
    UTENFOR_EOS = "UTENFOR_EOS", _("Innvandrer fra land utenfor EØS")
