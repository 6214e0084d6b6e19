"""`manage.py import_capacity FILE --county NN --user USERNAME [--apply]`: a capacity sheet
as a management command (issue 8). See `_import_command` for the arguments."""

from imports.capacity import SUMMARY_LABELS
from imports.management.commands._import_command import ImportCommand
from imports.models import ImportKind


class Command(ImportCommand):
    help = (
        "Importer et kapasitetsark (CSV eller XLSX) for et fylke: prøvekjøring, og med "
        "--apply import. Gjøres med tilgangen til brukeren i --user (fylkets inntaksteam)."
    )
    kind = ImportKind.KAPASITET
    summary_labels = SUMMARY_LABELS
