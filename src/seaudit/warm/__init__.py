"""A warm query service: one process that keeps the query code and DuckDB loaded and answers
``seaudit`` queries sent over a Unix socket, so a query from the command line skips the start-up
it would otherwise pay (see ``protocol``, ``server``, ``client``)."""
