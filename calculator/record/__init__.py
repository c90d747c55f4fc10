"""The electronic record: FHIR R4 and CDS Hooks 2.0, and the codes that map record data."""
