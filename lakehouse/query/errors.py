"""The local Athena's one error type."""


class QueryError(Exception):
    """A problem with the query or the warehouse, in one line the user can act on."""
