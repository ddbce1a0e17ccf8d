"""The local Athena: Athena (Trino) SQL run unmodified against the warehouse's Delta tables
(command: `lakehouse query`; engine: DuckDB over delta-rs; sql and dialect: parsing and
transpiling with sqlglot; errors: the one error type they raise)."""
