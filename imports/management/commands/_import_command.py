"""What `import_waitlist` and `import_capacity` share (issue 8): the whole lifecycle of an
import, in-process, for one file: upload, mapping (guessed, saved or given), dry run and, with
--apply, applying it, as the intake team member named by --user (their access decides, as on
the page).

The output is the dry run's summary, the first rows with errors (line, column and sentence:
never a cell, so never a fødselsnummer) and, after --apply, what was written. Every batch is
kept, as one uploaded on the page is; its number is printed to find it there.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.functional import Promise

from config.errors import ApplicationError
from imports.models import BatchStatus, ImportBatch, ImportRow, RowOutcome, SavedMapping
from imports.services import (
    batch_apply,
    batch_apply_request,
    batch_check,
    batch_configure,
    batch_upload,
    fields_for,
)
from org.access import scope_for
from org.models import County, User
from providers.models import ProgrammeType

# What applying wrote (the keys of the planners' results), in Norwegian as the summary is.
RESULT_LABELS: dict[str, str] = {
    "persons_created": "Nye personer opprettet",
    "referrals_created": "Henvisninger opprettet",
    "waitlisted": "Satt på ventelisten",
    "drafts": "Kladder til veileder",
    "reports": "Kapasitetsmeldinger",
}


def _failure(error: ApplicationError, columns: list[str] | None = None) -> CommandError:
    """The service's sentence and its field messages, as one error for the command line (a
    field's message names the option that sets it)."""
    lines = [error.message]
    for field, messages in error.fields.items():
        if field == "accept_errors":
            lines.append("  --accept-errors: importer uten radene med feil.")
            continue
        option = "--programme-type" if field == "programme_type" else f"--column {field}=KOLONNE"
        lines.extend(f"  {field} ({option}): {message}" for message in messages)
    if error.code == "INVALID_MAPPING" and columns:
        lines.append("Kolonnene i filen: " + ", ".join(f"«{c}»" for c in columns) + ".")
    return CommandError("\n".join(lines))


class ImportCommand(BaseCommand):
    """One kind of import; a subclass names the kind and its summary's labels."""

    kind: str
    summary_labels: Mapping[str, str | Promise]
    takes_programme_type = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", type=Path, help="CSV- eller XLSX-fil")
        parser.add_argument("--county", required=True, metavar="NN", help="fylkesnummer")
        parser.add_argument(
            "--user",
            required=True,
            metavar="USERNAME",
            help="medlem av fylkets inntaksteam; importen gjøres med hennes eller hans tilgang",
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="kolonnen for et felt (kan gjentas); overstyrer det gjettede eller lagrede "
            "oppsettet. Felt: " + ", ".join(f.key for f in fields_for(self.kind)),
        )
        parser.add_argument("--mapping", metavar="NAME", help="bruk et lagret kolonneoppsett")
        if self.takes_programme_type:
            parser.add_argument(
                "--programme-type",
                metavar="CODE",
                help="tiltakstype for alle rader (kode eller kortnavn, f.eks. AFT), for ark "
                "uten tiltakstype-kolonne",
            )
        parser.add_argument("--save-mapping", metavar="NAME", default="", help="lagre oppsettet")
        parser.add_argument(
            "--apply", action="store_true", help="importer (uten: bare prøvekjøring)"
        )
        parser.add_argument(
            "--accept-errors", action="store_true", help="importer uten radene med feil"
        )
        parser.add_argument(
            "--errors",
            type=int,
            default=20,
            metavar="N",
            help="hvor mange rader med feil som vises (standard 20)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["errors"] < 0:
            raise CommandError("--errors kan ikke være negativt.")
        county = self._county(options["county"])
        actor = self._actor(options["user"], county)
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Kan ikke lese {path}: {error.strerror or error}") from None
        batch: ImportBatch | None = None
        try:
            batch = batch_upload(
                actor=actor,
                county_number=county.number,
                kind=self.kind,
                filename=path.name,
                content=content,
            )
            mapping, programme_type_id = self._mapping(batch, options)
            batch = batch_configure(
                actor=actor,
                batch_id=batch.pk,
                expected_version=batch.version,
                mapping=mapping,
                programme_type_id=programme_type_id,
                save_as=options["save_mapping"],
                enqueue=False,
            )
        except ApplicationError as error:
            raise _failure(error, batch.columns if batch is not None else None) from None
        batch_check(batch.pk)
        batch = self._settled(batch.pk, BatchStatus.KONTROLLERT)
        self._write_summary(batch)
        self._write_errors(batch, options["errors"])
        if not options["apply"]:
            self.stdout.write(
                "Prøvekjøring: ingenting er importert. Kjør på nytt med --apply for å importere."
            )
            return
        try:
            batch = batch_apply_request(
                actor=actor,
                batch_id=batch.pk,
                expected_version=batch.version,
                accept_errors=options["accept_errors"],
                enqueue=False,
            )
        except ApplicationError as error:
            raise _failure(error) from None
        batch_apply(batch.pk)
        batch = self._settled(batch.pk, BatchStatus.IMPORTERT)
        self.stdout.write("")
        self.stdout.write(f"Importert (import #{batch.pk}):")
        self._write_counts(batch.result, RESULT_LABELS)

    # -- who and where -----------------------------------------------------------------------

    def _county(self, number: str) -> County:
        number = number.strip().zfill(2)
        county = County.objects.filter(pk=number).first()
        if county is None:
            raise CommandError(f"Fant ikke fylke {number}.")
        return county

    def _actor(self, username: str, county: County) -> User:
        actor = User.objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"Fant ingen bruker «{username}».")
        if not scope_for(actor).may_review_for_county(county.number):
            raise CommandError(
                f"«{username}» er ikke med i inntaksteamet i {county.name} ({county.number}), "
                "og kan ikke importere for fylket."
            )
        return actor

    # -- the mapping ---------------------------------------------------------------------------

    def _mapping(
        self, batch: ImportBatch, options: dict[str, Any]
    ) -> tuple[dict[str, str], int | None]:
        mapping = dict(batch.mapping)
        programme_type_id = batch.programme_type_id
        if options["mapping"]:
            saved = SavedMapping.objects.filter(
                county_id=batch.county_id, kind=self.kind, name=options["mapping"]
            ).first()
            if saved is None:
                names = SavedMapping.objects.filter(
                    county_id=batch.county_id, kind=self.kind
                ).values_list("name", flat=True)
                raise CommandError(
                    f"Fant ikke kolonneoppsettet «{options['mapping']}». Lagrede oppsett: "
                    + (", ".join(f"«{n}»" for n in names) or "ingen")
                    + "."
                )
            mapping = dict(saved.mapping)
            programme_type_id = saved.programme_type_id
        keys = [f.key for f in fields_for(self.kind)]
        for given in options["column"]:
            key, sep, column = given.partition("=")
            key, column = key.strip(), column.strip()
            if not sep or key not in keys:
                raise CommandError(
                    f"--column {given}: skriv felt=Kolonne, der feltet er ett av "
                    + ", ".join(keys)
                    + "."
                )
            # The column given wins: no other field keeps it.
            mapping = {k: c for k, c in mapping.items() if c != column and k != key}
            if column:
                mapping[key] = column
        if options.get("programme_type"):
            programme_type_id = self._programme_type(options["programme_type"])
        return mapping, programme_type_id

    def _programme_type(self, given: str) -> int:
        text = given.strip()
        for lookup in ("code__iexact", "short_name__iexact"):
            found = ProgrammeType.objects.filter(**{lookup: text}, has_waitlist=True).first()
            if found is not None:
                return found.pk
        codes = ProgrammeType.objects.filter(has_waitlist=True).values_list("short_name", flat=True)
        raise CommandError(
            f"--programme-type {given}: ingen tiltakstype med venteliste har den koden. "
            "Bruk en av: " + ", ".join(sorted(codes)) + "."
        )

    # -- the outcome ---------------------------------------------------------------------------

    def _settled(self, batch_id: int, expected: str) -> ImportBatch:
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status == BatchStatus.FEILET:
            raise CommandError(batch.failure or "Importen feilet.")
        if batch.status != expected:
            raise CommandError(
                f"Importen er {batch.get_status_display().lower()}, ventet "
                f"{BatchStatus(expected).label.lower()}."
            )
        return batch

    def _write_summary(self, batch: ImportBatch) -> None:
        self.stdout.write(f"Prøvekjøring av import #{batch.pk} ({batch.file_description}):")
        self._write_counts(batch.summary, self.summary_labels)

    def _write_counts(self, counts: Mapping[str, int], labels: Mapping[str, str | Promise]) -> None:
        # In the labels' order; a key without a label (none today) last, by its name.
        keys = [key for key in labels if key in counts] + [k for k in counts if k not in labels]
        shown = [(str(labels.get(key, key)), f"{counts[key]:,}".replace(",", " ")) for key in keys]
        width = max((len(label) for label, _value in shown), default=0)
        for label, value in shown:
            self.stdout.write(f"  {label:<{width}}  {value:>8}")

    def _write_errors(self, batch: ImportBatch, limit: int) -> None:
        errors = batch.rows.filter(outcome=RowOutcome.FEIL).order_by("line")
        total = errors.count()
        if not total or not limit:
            return
        self.stdout.write("")
        self.stdout.write("Rader med feil:")
        row: ImportRow
        for row in errors.only("line", "column", "message")[:limit]:
            where = f"rad {row.line}, kolonne {row.column}" if row.column else f"rad {row.line}"
            self.stdout.write(f"  {where}: {row.message}")
        if total > limit:
            self.stdout.write(f"  … og {total - limit} rader til med feil.")
