"""The local AWS runtime: moto in-process, with the fixes the project's ASL and template need."""
