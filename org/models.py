"""Counties, municipalities, NAV offices, provider organisations, staff and their memberships.

Access is decided by memberships, never by a role name alone (DOMAIN.md section 2); the rules
that turn memberships into what a user may see live in `org/access.py`.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.geo import great_circle_km


class County(models.Model):
    """fylke"""

    number = models.CharField(_("fylkesnummer"), max_length=2, primary_key=True)
    name = models.CharField(_("navn"), max_length=100)

    class Meta:
        ordering = ["number"]
        verbose_name = _("fylke")
        verbose_name_plural = _("fylker")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{2}$"), name="county_number_two_digits"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """kommune, with a point inside it for distances."""

    number = models.CharField(_("kommunenummer"), max_length=4, primary_key=True)
    name = models.CharField(_("navn"), max_length=100, help_text=_("SSB's official name"))
    norwegian_name = models.CharField(_("norsk navn"), max_length=100)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="municipalities")
    lat = models.FloatField()
    lon = models.FloatField()
    population = models.PositiveIntegerField(_("folketall"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{4}$"),
                name="municipality_number_four_digits",
            ),
            models.CheckConstraint(
                condition=Q(lat__gte=57.0, lat__lte=72.0, lon__gte=4.0, lon__lte=32.0),
                name="municipality_point_in_norway",
            ),
        ]

    def __str__(self) -> str:
        return self.norwegian_name

    def distance_km(self, other: Municipality) -> float:
        return great_circle_km(self.lat, self.lon, other.lat, other.lon)


class Office(models.Model):
    """Nav-kontor: serves one or more municipalities, belongs to one county."""

    number = models.CharField(_("enhetsnummer"), max_length=4, unique=True)
    name = models.CharField(_("navn"), max_length=100)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="offices")
    municipalities = models.ManyToManyField(Municipality, related_name="offices")

    class Meta:
        ordering = ["name"]
        verbose_name = _("Nav-kontor")
        verbose_name_plural = _("Nav-kontorer")

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """tiltaksarrangør: the organisation. Its offerings live in the `providers` app; the
    organisation lives here so that staff memberships can point at it."""

    name = models.CharField(_("navn"), max_length=200)
    orgnr = models.CharField(_("organisasjonsnummer"), max_length=9, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tiltaksarrangør")
        verbose_name_plural = _("tiltaksarrangører")
        constraints = [
            models.CheckConstraint(
                condition=Q(orgnr__regex=r"^[0-9]{9}$"), name="provider_orgnr_nine_digits"
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff: NAV employee or provider staff. What they may see comes from their
    memberships; clearances add protected persons on top of that."""

    may_see_strengt_fortrolig = models.BooleanField(
        _("kan se strengt fortrolig adresse (kode 6)"), default=False
    )
    may_see_fortrolig = models.BooleanField(_("kan se fortrolig adresse (kode 7)"), default=False)
    may_see_skjermet = models.BooleanField(_("kan se skjermede (Nav-ansatte)"), default=False)

    class Meta:
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class OfficeRole(models.TextChoices):
    VEILEDER = "VEILEDER", _("Veileder")
    LEDER = "LEDER", _("Leder")


class CountyRole(models.TextChoices):
    INNTAKSTEAM = "INNTAKSTEAM", _("Inntaksteam")
    LEDER = "LEDER", _("Fylkesleder")


class OfficeMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="office_memberships")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rolle"), max_length=20, choices=OfficeRole.choices)

    class Meta:
        verbose_name = _("kontormedlemskap")
        verbose_name_plural = _("kontormedlemskap")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "office", "role"], name="office_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=OfficeRole.values), name="office_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.office}"


class CountyMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="county_memberships")
    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rolle"), max_length=20, choices=CountyRole.choices)

    class Meta:
        verbose_name = _("fylkesmedlemskap")
        verbose_name_plural = _("fylkesmedlemskap")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "county", "role"], name="county_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=CountyRole.values), name="county_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.county}"


class ProviderMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="provider_memberships")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        verbose_name = _("arrangørmedlemskap")
        verbose_name_plural = _("arrangørmedlemskap")
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="provider_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.provider}"


__all__ = [
    "County",
    "CountyMembership",
    "CountyRole",
    "Municipality",
    "Office",
    "OfficeMembership",
    "OfficeRole",
    "Provider",
    "ProviderMembership",
    "User",
]
