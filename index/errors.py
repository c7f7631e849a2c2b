"""Errors of the index layer: each says what went wrong and what to do about it."""


class DocqaError(Exception):
    """Base of every error docqa raises on bad input or a bad index; safe to show to a user."""


class DocumentError(DocqaError, ValueError):
    """A document cannot be indexed: empty, no text, binary, not UTF-8, too large."""


class IndexNotFoundError(DocqaError, FileNotFoundError):
    """There is no index at the given folder."""


class CorruptIndexError(DocqaError):
    """The index folder exists but cannot be read back."""


class ModelMismatchError(DocqaError):
    """The index was built with another embedding model than the one loaded now."""


class IndexFolderError(DocqaError):
    """The folder given for an index cannot hold one: a file, or a folder of other files."""


class BuildCancelledError(DocqaError):
    """A build was cancelled before it finished; nothing was written."""
