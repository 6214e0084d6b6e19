"""What the providers app announces. Higher apps subscribe (see ARCHITECTURE.md): the intake
app starts matching when free places are reported."""

from django.dispatch import Signal

# Sent inside the reporting transaction, with `offering_id` and `report_id`; receivers queue
# their work with transaction.on_commit.
capacity_reported = Signal()
