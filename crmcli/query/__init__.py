"""The filter language, its compiler to SQL, listings and full-text search."""
