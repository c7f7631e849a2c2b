"""index: turn documents into a persistent, searchable hybrid (FAISS + BM25) index.

Names are imported on first use (PEP 562), so `index.offline` or `index.errors` load without FAISS.
"""

from importlib import import_module

_EXPORTS = {
    "BuildReport": "index.build",
    "add_documents": "index.build",
    "build_index": "index.build",
    "default_index_dir": "index.build",
    "docqa_home": "index.home",
    "ensure_default_index": "index.build",
    "reset_index": "index.build",
    "upgrade_index": "index.build",
    "Document": "index.documents",
    "read_document": "index.formats",
    "SUFFIXES": "index.formats",
    "MiniLMEmbeddings": "index.embeddings",
    "RayEncoder": "index.ray_embed",
    "shared_embeddings": "index.embeddings",
    "CorruptIndexError": "index.errors",
    "DocqaError": "index.errors",
    "DocumentError": "index.errors",
    "IndexFolderError": "index.errors",
    "IndexNotFoundError": "index.errors",
    "ModelMismatchError": "index.errors",
    "Passage": "index.passages",
    "split_passages": "index.passages",
    "Index": "index.store",
    "Manifest": "index.store",
    "load_index": "index.store",
    "read_manifest": "index.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
