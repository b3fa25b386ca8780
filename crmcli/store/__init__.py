"""Storage: the engine and its sessions, table models, migrations, maintenance, change watch and the backend-specific parts."""
