"""The pages: the form, the result, the teaching cases and the presenter, about, errors."""
