"""The one application error type. Services raise it; views turn it into a message on the
page and the API's exception handler into a 400 with a code per field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A request the domain refuses, with a sentence the user can act on.

    `code` is stable and machine-readable; `message` is translated; `fields` maps a form or
    API field to its own messages when the error belongs to particular fields.
    """

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str,
        fields: Mapping[str, Sequence[str | Promise]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
