"""Errors that reach the user as one line, never as a traceback."""


class KgbuildError(Exception):
    """A failure the CLI reports as ``kgbuild: <message>`` with a non-zero exit."""

    exit_code = 2


class InputError(KgbuildError):
    """An input (file, text, query) that cannot be used, naming the input and the reason.

    >>> str(InputError("a.docx", "not a zip archive"))
    'a.docx: not a zip archive'
    """

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class QueryError(KgbuildError):
    """A query that cannot be run: bad syntax, unknown name, bad parameter, refused SERVICE.

    Public as ``kgbuild.query.QueryError`` (where it was defined first); it lives here so that
    ``kgbuild.federation`` can raise it without importing ``kgbuild.query``.
    """

    __module__ = "kgbuild.query"
