"""Binaries (radiographs, photos, PDFs) uploaded by the sync agent and matched by sha256 (§9)."""
