"""dentalpin-import: moves a clinic's history from DPMF files or CSV sheets into its database."""
