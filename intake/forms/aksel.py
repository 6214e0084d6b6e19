"""The Aksel form base lives in `config.forms`, where every app may use it; intake's forms
import it from here as before."""

from config.forms import AkselForm, DateInput, PastDateInput

__all__ = ["AkselForm", "DateInput", "PastDateInput"]
