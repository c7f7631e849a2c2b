"""index: turn documents into a persistent, searchable hybrid (FAISS + BM25) index."""

from index.build import BuildReport, add_documents, build_index, default_index_dir, docqa_home, ensure_default_index
from index.documents import Document, read_document
from index.embeddings import MiniLMEmbeddings, shared_embeddings
from index.errors import CorruptIndexError, DocqaError, DocumentError, IndexNotFoundError, ModelMismatchError
from index.passages import Passage, split_passages
from index.store import Index, Manifest, load_index, read_manifest

__all__ = [
    "BuildReport",
    "CorruptIndexError",
    "DocqaError",
    "Document",
    "DocumentError",
    "Index",
    "IndexNotFoundError",
    "Manifest",
    "MiniLMEmbeddings",
    "ModelMismatchError",
    "Passage",
    "add_documents",
    "build_index",
    "default_index_dir",
    "docqa_home",
    "ensure_default_index",
    "load_index",
    "read_document",
    "read_manifest",
    "shared_embeddings",
    "split_passages",
]
