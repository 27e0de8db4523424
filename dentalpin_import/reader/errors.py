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
TAMPERED = "tampered"
CORRUPT_DATABASE = "corrupt_database"
BAD_TEXT = "bad_text"
UNREADABLE_FILE = "unreadable_file"
UNPACK_FAILED = "unpack_failed"
UNEXPECTED_COLUMN = "unexpected_column"

MSG_NOT_DPMF = (
    "not a DPMF file (magic {magic}): choose the .dpm, .dpm.zst, .dpm.enc or .dpm.zst.enc file "
    "the export wrote"
)
MSG_DECRYPT_FAILED = (
    "wrong passphrase: the file does not open with it; type it again exactly as it was given "
    "(capitals, accents and spaces count); if it is surely right, the file was damaged: ask for "
    "a new export"
)
MSG_PASSPHRASE_REQUIRED = "the file is encrypted and no passphrase was given"
MSG_UNSUPPORTED_KDF = (
    "unsupported scrypt parameters (n={n}, r={r}, p={p}; DPMF uses 131072/8/1): ask for a new "
    "export"
)
MSG_TOO_LARGE = (
    "the file unpacks to more than {limit:,} bytes (DPMF_MAX_UNPACKED_BYTES): raise that "
    "setting, then try again"
)
MSG_VERSION = (
    "format version {version} is not supported (this importer reads 0.x): update the importer, "
    "or ask for an export in format 0.x"
)
MSG_HASH_MISMATCH = (
    "integrity hash mismatch: declared {declared}, computed {computed}; the records were "
    "changed after the export: ask for a new export"
)
MSG_HASH_MISSING = "the file has no integrity hash, so it cannot be verified: ask for a new export"
MSG_HASH_ALGO = "unsupported integrity hash algorithm {algo}: ask for a new export"
MSG_TRUNCATED_ENC = (
    "the encrypted file is incomplete (cut short while it was copied or downloaded); the "
    "passphrase is right: copy the file again, or ask for a new export"
)
MSG_TRUNCATED_HEAD = (
    "the encrypted file is incomplete: it ends inside its header (cut short while it was copied "
    "or downloaded); copy the file again, or ask for a new export"
)
MSG_TRUNCATED_SHORT = (
    "the encrypted file is incomplete: too little follows its header to hold an export (cut "
    "short while it was copied or downloaded); copy the file again, or ask for a new export"
)
MSG_TRUNCATED_ZSTD = (
    "the compressed file is incomplete: it ends in the middle of its compressed data (cut short "
    "while it was copied or downloaded); copy the file again, or ask for a new export"
)
MSG_CORRUPT_ZSTD = "corrupt zstd data ({detail}): copy the file again, or ask for a new export"
MSG_TRAILING_ZSTD = (
    "unexpected bytes after a zstd frame: copy the file again, or ask for a new export"
)
MSG_ZSTD_RESERVED = "a reserved bit of a frame header is set"
MSG_ZSTD_BLOCK_TYPE = "a block has the reserved type"
MSG_ZSTD_BLOCK_SIZE = "a block is larger than 128 KiB"
MSG_ZSTD_FRAME_END = "a frame does not end where its last block says"
MSG_ZSTD_SIZE = "a frame holds more or less than the size it declares"
MSG_TOO_LARGE_DECLARED = (
    "the file declares {size:,} bytes of content, more than the {limit:,} allowed "
    "(DPMF_MAX_UNPACKED_BYTES): raise that setting, then try again"
)
MSG_TAMPERED = (
    "the encrypted file was changed or damaged after it was encrypted (the passphrase is "
    "right): ask for a new export"
)
MSG_TRUNCATED_DB = (
    "the file is incomplete: its database has {size:,} bytes where its header says "
    "{expected:,} (cut short while it was copied or downloaded); copy the file again, or ask for "
    "a new export"
)
MSG_TRUNCATED_PAGE = (
    "the file is incomplete: its database ends in the middle of a page (cut short while it was "
    "copied or downloaded); copy the file again, or ask for a new export"
)
MSG_TRUNCATED_START = (
    "the file is incomplete: it stops within the first bytes of a DPMF export (cut short while "
    "it was copied or downloaded); copy the file again, or ask for a new export"
)
MSG_DB_HEADER = "the database header inside the file is damaged: ask for a new export"
MSG_DB_DAMAGED = "the database inside the file is damaged: ask for a new export"
MSG_DB_DAMAGED_IN = "the database inside the file is damaged in table {table}: ask for a new export"
MSG_DB_INDEX = (
    "the database inside the file is damaged: table {table} holds {held:,} rows but its "
    "index lists {listed:,}; ask for a new export"
)
MSG_BAD_TEXT = "text that is not valid UTF-8 in {table}.{column}, row {row:,}: ask for a new export"
MSG_BAD_TEXT_ID = (
    "text that is not valid UTF-8 in {table}.{column}, row {row:,} (canonical id {uuid}): "
    "ask for a new export"
)
MSG_BAD_TEXT_IN = "text that is not valid UTF-8 in table {table}: ask for a new export"
MSG_BAD_TEXT_ANY = "the file holds text that is not valid UTF-8: ask for a new export"
MSG_MISSING_COLUMNS = "not a DPMF container: table {table} lacks {columns}"
MSG_UNEXPECTED_COLUMN = (
    "the file's table {table} has a column {column} that a DPMF file never has: it was "
    "changed after the export or made by another program; ask for a new export"
)
MSG_UNEXPECTED_COLUMNS = (
    "the file's table {table} has {count} columns that a DPMF file never has ({columns}): it "
    "was changed after the export or made by another program; ask for a new export"
)
MSG_UNREADABLE_FILE = "the file cannot be read ({reason}): check it is there and readable"
MSG_UNPACK_FAILED = (
    "the file could not be unpacked into {folder} ({reason}): free space there or set "
    "DPMF_STAGING_DIR, then try again"
)
MSG_BAD_INNER = "decrypted content is not {layer} as the envelope says: ask for a new export"
MSG_NOT_SQLITE = "the unpacked content is not a SQLite database: ask for a new export"
MSG_UNREADABLE = "unreadable DPMF container: {detail}"
MSG_NOT_CONTAINER = "not a DPMF container: missing {tables}; ask for a new export"
MSG_META_LACKS = "_meta lacks {keys}"
MSG_META_NOT_TEXT = "the file's _meta entry {key} is not text: ask for a new export"
MSG_TYPE_NAME = "invalid entity type name {name}"
MSG_SCHEMA_OBJECT = "the file's database holds a {kind} ({name}), which a DPMF file never has"
MSG_TYPE_NAME_LONG = "entity type name {name} is longer than {limit} characters"
MSG_SOURCE_LONG = "source system {name} is longer than {limit} characters"
MSG_TYPE_TABLE = "entity type {name} has no table"
# The encryption envelope: MSG_BAD_ENVELOPE with one of the MSG_ENV_* as its detail.
MSG_BAD_ENVELOPE = "invalid encryption envelope ({detail}): ask for a new export"
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
MSG_ENV_LONG_IV = "iv longer than 128 bytes"


class ReadError(Exception):
    """A DPMF file that cannot be read; `code` is stable, `str()` is one human line."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message
