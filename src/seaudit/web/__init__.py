"""The read-only web viewer over the store (``seaudit serve``): ``app`` (routes, security),
``paging`` (keyset pages by seq), ``filters`` (query string <-> filter), ``views`` (what a
page shows of a record), ``auth`` (token access), ``stream`` (streamed downloads); the
templates and the vendored htmx are package data."""
