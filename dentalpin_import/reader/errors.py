"""Why a DPMF file is refused: one stable code and one line a clinic admin can act on."""

NOT_DPMF = "not_dpmf"
TRUNCATED = "truncated"
BAD_ENVELOPE = "bad_envelope"
UNSUPPORTED_KDF = "unsupported_kdf"
PASSPHRASE_REQUIRED = "passphrase_required"
DECRYPT_FAILED = "decrypt_failed"
BAD_INNER_LAYER = "bad_inner_layer"
BAD_COMPRESSION = "bad_compression"
TOO_LARGE = "too_large"
BAD_CONTAINER = "bad_container"
UNSUPPORTED_VERSION = "unsupported_version"
HASH_MISSING = "hash_missing"
HASH_ALGO = "hash_algo"
HASH_MISMATCH = "hash_mismatch"

MSG_NOT_DPMF = "not a DPMF file (magic {magic})"
MSG_DECRYPT_FAILED = "decryption failed: wrong passphrase or corrupted file"
MSG_PASSPHRASE_REQUIRED = "the file is encrypted and no passphrase was given"
MSG_UNSUPPORTED_KDF = "unsupported scrypt parameters (n={n}, r={r}, p={p}; DPMF uses 131072/8/1)"
MSG_TOO_LARGE = "the file unpacks to more than {limit:,} bytes (DPMF_MAX_UNPACKED_BYTES)"
MSG_VERSION = "format version {version} is not supported (this importer reads 0.x)"
MSG_HASH_MISMATCH = "integrity hash mismatch: declared {declared}, computed {computed}"
MSG_HASH_MISSING = "the file has no integrity hash, so it cannot be verified"


class ReadError(Exception):
    """A DPMF file that cannot be read; `code` is stable, `str()` is one human line."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message
