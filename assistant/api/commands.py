"""`python -m assistant keys ...` and `python -m assistant audit ...`: API keys and the audit log.

keys add NAME [--rate LIMIT] [--audit]   print a new key once, store its hash;  keys list;  keys revoke NAME
audit export [--since D] [--until D] [--format jsonl|csv] [--out FILE]   audit import FILE
audit purge (--before D | --request-id ID ... | --key NAME | --contains TEXT) [--yes]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kernel.errors import InputError


def _home(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", type=Path, metavar="DIR", help="state directory (default: GROUNDED_HOME or .state)")


def add_keys(commands) -> None:
    """`keys add|list|revoke` as a sub-command of `commands` (the assistant's sub-parsers)."""
    p = commands.add_parser("keys", help="API keys: add, list, revoke", description="API keys: requests must carry "
                            "'Authorization: Bearer KEY' once one is active. Only a hash of each key is stored.")
    sub = p.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)
    add = sub.add_parser("add", help="create a key (printed once)", description="Create a key; it is printed once "
                         "(stdout), only its hash is stored.")
    add.add_argument("name", metavar="NAME", help="who uses it (recorded in the audit log), e.g. helpdesk-bot")
    add.add_argument("--rate", metavar="LIMIT",
                     help="its own rate limit for answers, e.g. '600/minute' (default: GROUNDED_API__RATE_LIMIT)")
    add.add_argument("--audit", action="store_true", help="may replay every recorded answer (GET /v1/answers/...); "
                     "other keys see only their own")
    _home(add)
    _home(sub.add_parser("list", help="the keys: name, first characters, created, revoked",
                         description="The keys: name, first characters, created, revoked, own rate limit."))
    revoke = sub.add_parser("revoke", help="revoke a key (takes effect at once, no restart)",
                            description="Revoke a key: it takes effect at once, no restart.")
    revoke.add_argument("name", metavar="NAME", help="the name it was added with")
    _home(revoke)
    p.set_defaults(run=run_keys)


def run_keys(args) -> int:
    """Run `keys add|list|revoke` (parsed by `add_keys`)."""
    from assistant.api.keys import KeyStore
    from assistant.api.settings import load_server_settings

    store = KeyStore(load_server_settings(args.home).keys_path)
    if args.action == "add":
        key = store.add(args.name, args.rate, args.audit)
        print(key)
        print(f"The key for {args.name!r} is shown only now; store it safely. Requests send it as "
              "'Authorization: Bearer KEY'.", file=sys.stderr)
    elif args.action == "list":
        rows = store.keys()
        if not rows:
            print("no API keys: the server accepts requests without one, on loopback only")
        for k in rows:
            state = f"revoked {k.revoked}" if k.revoked else "active"
            print(f"{k.name:24} {k.hint:13} created {k.created}  {state}"
                  f"{'  rate ' + k.rate_limit if k.rate_limit else ''}{'  audit' if k.audit else ''}")
    else:
        store.revoke(args.name)
        print(f"revoked {args.name!r}")
    return 0


def add_audit(commands) -> None:
    """`audit export|import|purge` as a sub-command of `commands` (the assistant's sub-parsers)."""
    p = commands.add_parser("audit", help="the audit log of answers: export, import, purge",
                            description="The audit log of answers given over HTTP and the UI "
                            "(GROUNDED_API__AUDIT_URL; default GROUNDED_HOME/audit.sqlite).")
    sub = p.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)
    exp = sub.add_parser("export", help="write answers (with feedback) as JSON Lines or CSV",
                         description="Write answers (with their feedback) as JSON Lines or CSV.")
    exp.add_argument("--since", metavar="DATE", help="from this date or ISO time (inclusive)")
    exp.add_argument("--until", metavar="DATE", help="to this date (inclusive) or ISO time (exclusive)")
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="default: %(default)s")
    exp.add_argument("--out", type=Path, metavar="FILE", help="file to write (default: standard output)")
    _home(exp)
    imp = sub.add_parser("import", help="add the answers of an export (those already present are skipped)",
                         description="Add the answers of an export; those already present are skipped.")
    imp.add_argument("file", type=Path, metavar="FILE", help="an `audit export` file")
    imp.add_argument("--format", choices=("jsonl", "csv"), help="default: from the file name")
    _home(imp)
    purge = sub.add_parser("purge", help="delete answers and their feedback (personal data, retention)",
                           description="Delete answers and their feedback (personal data, retention). Say what to "
                           "purge with at least one of --before, --request-id, --key, --contains.")
    purge.add_argument("--before", metavar="DATE", help="answers given before this date or ISO time")
    purge.add_argument("--request-id", action="append", default=[], metavar="ID", help="this answer (repeatable)")
    purge.add_argument("--key", metavar="NAME", help="answers asked with this key name")
    purge.add_argument("--contains", metavar="TEXT",
                       help="answers whose question or history contains this text (e.g. a name)")
    purge.add_argument("--yes", action="store_true", help="delete; without it, only count what would go")
    _home(purge)
    p.set_defaults(run=run_audit)


def run_audit(args) -> int:
    """Run `audit export|import|purge` (parsed by `add_audit`)."""
    import assistant.api.audit_io as audit_io
    from assistant.api.audit import AuditLog
    from assistant.api.settings import load_server_settings

    log = AuditLog(load_server_settings(args.home).audit_url)
    try:
        if args.action == "export":
            rows = log.rows(audit_io.parse_bound(args.since), audit_io.parse_bound(args.until, end=True))
            if args.out:
                tmp = args.out.with_name(args.out.name + ".part")
                with open(tmp, "w", encoding="utf-8", newline="") as f:
                    n = audit_io.write(rows, f, args.format)
                tmp.replace(args.out)
            else:
                n = audit_io.write(rows, sys.stdout, args.format)
            print(f"exported {n} answer(s){f' to {args.out}' if args.out else ''}", file=sys.stderr)
        elif args.action == "import":
            fmt = args.format or ("csv" if args.file.suffix.lower() == ".csv" else "jsonl")
            try:
                with open(args.file, encoding="utf-8", newline="") as f:
                    added, skipped = log.add_rows(audit_io.read(f, fmt, str(args.file)))
            except OSError as exc:
                raise InputError(f"cannot read {args.file}: {exc.strerror or exc}") from None
            print(f"imported {added} answer(s); {skipped} already present")
        else:
            conditions = {"before": audit_io.parse_bound(args.before), "request_ids": args.request_id or None,
                          "key_name": args.key, "contains": args.contains}
            if not any(v is not None for v in conditions.values()):
                raise InputError("say what to purge: --before DATE, --request-id ID, --key NAME or --contains TEXT")
            n = log.purge(**conditions, dry_run=not args.yes)
            print(f"purged {n} answer(s) and their feedback" if args.yes else
                  f"{n} answer(s) match; run again with --yes to delete them and their feedback")
    finally:
        log.close()
    return 0
