"""The application above the medallion layers: the `lakehouse` command (lakehouse.cli), the
one-process pipeline, the local Athena (query), the drop generator, audit and conservation, the
run report, table maintenance and the benchmark. The Glue jobs never import it."""
