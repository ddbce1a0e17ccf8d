"""Raw drops for demos, tests and the benchmark (drop: the CSVs; defects: the bad input injected;
expected: what the pipeline must make of each row)."""
