"""Numbers that come from a URL, checked where they come in, so that no value a person can type reaches
the database as something it cannot hold (a 64-bit integer column or OFFSET overflows on PostgreSQL
and SQLite alike: a 500 instead of a 404).

- `<id:name>` in a URL pattern (registered here) is Django's `<int:name>` bounded to the 64-bit range:
  a larger number matches no pattern, so it is the 404 of a missing object.
- `id_param` reads an optional id from a query string (`?before=`, `?reply=`).
- `page_param` reads a page number: garbage or below 1 is the first page, beyond MAX_PAGE is a 404.
- `ModelIdsField` is Django's ModelMultipleChoiceField for ids checked the same way before they reach
  an `IN (...)` (Django bounds an exact lookup itself, not `IN`).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import register_converter

MAX_ID = 2**63 - 1
# No list has this many pages; it keeps OFFSET (page × page size) far inside 64 bits.
MAX_PAGE = 100_000


def id_param(value) -> int | None:
    """A positive id written in ASCII digits within the 64-bit range, else None."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def page_param(value) -> int:
    """A page number: the first page for anything that is not one, a 404 beyond MAX_PAGE."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return 1
    if len(value) > len(str(MAX_PAGE)) or int(value) > MAX_PAGE:
        raise Http404
    return max(int(value), 1)


class ModelIdsField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if id_param(str(pk)) is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk})
        return super()._check_values(value)


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("beyond a 64-bit id")  # no match: the resolver answers 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
