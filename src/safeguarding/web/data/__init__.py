"""Read-only queries on the published snapshot, one module per page area, returning plain data."""
