"""PDF text is the same in every process: pdfminer's layout analysis breaks ties by creation order, not by `id()`.

Plain pdfminer.six orders the text boxes of a page by merging the closest pair first and breaks ties between equally
close pairs by `id()` (a memory address), so the reading order depended on how the allocator happened to lay objects
out (HistoryOfAlexnet.pdf gave three texts in three runs). Each extraction here runs in its own process, which first
perturbs the allocator by a seed (objects of many sizes, half of them freed), as a longer-running process would.
Against the code before the fix the fixture gave 3 different hashes in 6 such processes.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import BENCHMARKS

REPO = Path(__file__).resolve().parents[2]
TIES = REPO / "tests" / "fixtures" / "pdf" / "justified-references.pdf"
ALEXNET = BENCHMARKS / "llama_history_of_alexnet" / "source_files" / "HistoryOfAlexnet.pdf"
ALEXNET_TIED_PAGES = (34, 36, 37, 38)  # the pages whose text changed from run to run before the fix

_EXTRACT = """
import hashlib, random, sys
from ingest.pdf_text import read_pdf
rng = random.Random(int(sys.argv[2]))
junk = [bytearray(rng.randrange(16, 512)) for _ in range(rng.randrange(20000, 60000))]
del junk[::2]
parsed, _ = read_pdf(open(sys.argv[1], "rb").read(), "pdfminer")
print(hashlib.sha256(parsed[0].text.encode()).hexdigest())
"""


def _hashes(pdf: Path, seeds: tuple[int, ...]) -> set[str]:
    """The sha256 of the text read from `pdf`, one extraction per seed, each in its own Python process."""
    procs = [subprocess.Popen([sys.executable, "-c", _EXTRACT, str(pdf), str(seed)], cwd=REPO, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for seed in seeds]
    out = set()
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr[-2000:]
        out.add(stdout.strip())
    return out


def test_tied_layout_reads_the_same_in_every_process():
    assert len(_hashes(TIES, (1, 3, 4))) == 1


def test_tied_layout_keeps_its_reading_order():
    from ingest.pdf_text import read_pdf

    text = read_pdf(TIES.read_bytes(), "pdfminer")[0][0].text
    assert text.index("[1] Smith") < text.index("[2] Jones") < text.index("[3] Lee")
    assert "super-resolution" in text and "arXiv:1609.04802 (2016)." in text


@pytest.mark.slow
@pytest.mark.skipif(not ALEXNET.exists(), reason=f"benchmark PDF not present: {ALEXNET}")
def test_alexnet_pages_read_the_same_in_every_process(tmp_path):
    from pypdf import PdfReader, PdfWriter

    reader, writer = PdfReader(io.BytesIO(ALEXNET.read_bytes())), PdfWriter()
    for number in ALEXNET_TIED_PAGES:
        writer.add_page(reader.pages[number - 1])
    pdf = tmp_path / "alexnet-tied-pages.pdf"
    with pdf.open("wb") as f:
        writer.write(f)
    assert len(_hashes(pdf, (1, 2, 3))) == 1
