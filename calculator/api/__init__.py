"""The JSON API: assessments and the rule catalogue."""
