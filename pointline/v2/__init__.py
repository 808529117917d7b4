"""pointline v2: contracts, Delta adapters, the ingestion pipeline and the Lake entry point."""
