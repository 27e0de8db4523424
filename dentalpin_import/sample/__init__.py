"""Writing DPMF files: the writer and a realistic sample generator."""
