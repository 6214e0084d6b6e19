"""What the intake app announces. Higher apps subscribe (see ARCHITECTURE.md): the portfolio
app refreshes a person's flags when their data or referrals change."""

from django.dispatch import Signal

# Sent inside the writing transaction, with `person_id`; receivers queue their work with
# transaction.on_commit (and pass the id on, never the fødselsnummer).
person_changed = Signal()
