"""The sync agent: uploads a clinic's binaries to an import job. Needs only `requests`.

Runs on the clinic's old machine without Django:
python -m dentalpin_import.sync_agent --server URL --job ID --token-file PATH --root DIR
"""
