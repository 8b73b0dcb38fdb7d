"""The compliance_docs suite: its documents (docs/), cases (cases.jsonl) and make_docs.py, which writes the PDF,
the .docx and the Windows-1252 memo."""
