"""Numbered SQL migrations of the history database (`NNNN_name.sql`), applied by `scanner.history.store`."""
