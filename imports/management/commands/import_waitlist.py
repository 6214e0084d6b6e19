"""`manage.py import_waitlist FILE --county NN --user USERNAME [--apply]`: a county's waitlist
as a management command (issue 8). See `_import_command` for the arguments."""

from imports.management.commands._import_command import ImportCommand
from imports.models import ImportKind
from imports.waitlist import SUMMARY_LABELS


class Command(ImportCommand):
    help = (
        "Importer en ventelisteliste (CSV eller XLSX) for et fylke: prøvekjøring, og med "
        "--apply import. Gjøres med tilgangen til brukeren i --user (fylkets inntaksteam)."
    )
    kind = ImportKind.VENTELISTE
    summary_labels = SUMMARY_LABELS
    takes_programme_type = True
