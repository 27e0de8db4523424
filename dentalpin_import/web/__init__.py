"""Web views of the importer."""
