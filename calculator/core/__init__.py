"""The clinical core: inputs, the rule language, the rules, the engine and the what-ifs.

Nothing here imports a web framework; the pages, the JSON API and the record
layers (FHIR, CDS Hooks) are built above it.
"""
