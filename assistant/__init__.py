"""Assistant: hybrid retrieval and grounded answers with verified citations."""
