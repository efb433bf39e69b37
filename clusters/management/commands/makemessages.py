"""Django's makemessages, also finding sentences marked `N_(...)` (gettext_noop imported as N_).

The stored sentences of infra.words are marked that way where they are written; without the keyword
xgettext skips them, and `make messages` (with --no-obsolete) would drop their translations."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
