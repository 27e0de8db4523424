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
MSG_HASH_ALGO = "unsupported integrity hash algorithm {algo}"
MSG_TRUNCATED_ENC = "the encrypted file is truncated"
MSG_TRUNCATED_HEAD = "the encrypted file is truncated (no complete header)"
MSG_TRUNCATED_SHORT = "the encrypted file is truncated (shorter than its header)"
MSG_TRUNCATED_ZSTD = "the compressed file is truncated (incomplete zstd frame)"
MSG_CORRUPT_ZSTD = "corrupt zstd data: {detail}"
MSG_TRAILING_ZSTD = "unexpected bytes after a zstd frame"
MSG_BAD_INNER = "decrypted content is not {layer} as the envelope says"
MSG_NOT_SQLITE = "the unpacked content is not a SQLite database"
MSG_UNREADABLE = "unreadable DPMF container: {detail}"
MSG_NOT_CONTAINER = "not a DPMF container: missing {tables}"
MSG_META_LACKS = "_meta lacks {keys}"
MSG_TYPE_NAME = "invalid entity type name {name}"
MSG_TYPE_TABLE = "entity type {name} has no table"
# The encryption envelope: MSG_BAD_ENVELOPE with one of the MSG_ENV_* as its detail.
MSG_BAD_ENVELOPE = "invalid encryption envelope: {detail}"
MSG_ENV_NOT_STRING = "{name} is not a base64 string"
MSG_ENV_NOT_BASE64 = "{name} is not valid base64"
MSG_ENV_HEADER_LENGTH = "header length {length} exceeds 64 KiB"
MSG_ENV_NOT_JSON = "header is not UTF-8 JSON"
MSG_ENV_NOT_OBJECT = "header is not a JSON object"
MSG_ENV_VERSION = "unsupported envelope version {value}"
MSG_ENV_CIPHER = "unsupported cipher {value}"
MSG_ENV_KDF = "unsupported key derivation {value}"
MSG_ENV_LAYOUT = "unknown inner_layout {value}"
MSG_ENV_NO_PARAMS = "kdf_params missing"
MSG_ENV_SHORT_IV = "iv shorter than 8 bytes"


class ReadError(Exception):
    """A DPMF file that cannot be read; `code` is stable, `str()` is one human line."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message
