"""NAV's programme types (tiltakstyper) with their codes (DOMAIN.md section 3). Thresholds are
the gate's defaults (DOMAIN.md section 4); an administrator edits them in the admin."""

from django.db import migrations

ADAPTED = [
    "SPESIELT_TILPASSET_INNSATS",
    "GRADERT_VARIG_TILPASSET_INNSATS",
    "VARIG_TILPASSET_INNSATS",
]
VARIG = ["GRADERT_VARIG_TILPASSET_INNSATS", "VARIG_TILPASSET_INNSATS"]
NOT_STANDARD = ["SITUASJONSBESTEMT_INNSATS", *ADAPTED]
ALL = ["STANDARD_INNSATS", *NOT_STANDARD]

PROGRAMME_TYPES = [
    # code, short name, name, admitted need groups, sheltered, requires AEV, has waitlist
    ("ARBFORB", "AFT", "Arbeidsforberedende trening", ADAPTED, True, True, True),
    ("VASV", "VTA", "Varig tilrettelagt arbeid i skjermet virksomhet", VARIG, True, True, True),
    ("APS", "APS", "Arbeidspraksis i skjermet virksomhet", ADAPTED, True, True, True),
    ("AVKLARAG", "Avklaring", "Avklaring", NOT_STANDARD, False, False, True),
    ("INDOPPFAG", "Oppfølging", "Oppfølging", NOT_STANDARD, False, False, True),
    ("ARBRRHDAG", "ARR", "Arbeidsrettet rehabilitering", NOT_STANDARD, False, False, True),
    ("JOBBK", "Jobbklubb", "Jobbklubb", ALL, False, False, True),
    ("GRUPPEAMO", "AMO", "Arbeidsmarkedsopplæring (gruppe)", ALL, False, False, True),
]


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    ProgrammeType = apps.get_model("providers", "ProgrammeType")  # noqa: N806
    for code, short, name, groups, sheltered, requires_aev, waitlist in PROGRAMME_TYPES:
        ProgrammeType.objects.update_or_create(
            code=code,
            defaults={
                "short_name": short,
                "name": name,
                "admitted_need_groups": groups,
                "sheltered": sheltered,
                "requires_work_capacity_assessment": requires_aev,
                "has_waitlist": waitlist,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
