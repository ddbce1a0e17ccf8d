"""Errors the user can fix, said in one line: `lakehouse` prints `lakehouse <command>: <message>`
and exits 2 instead of showing a stack trace (README "Exit codes")."""


class UserError(Exception):
    """A missing folder, a missing Java, a port in use, an unknown table: fixable by the user."""
