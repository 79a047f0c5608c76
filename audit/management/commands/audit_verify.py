"""`python manage.py audit_verify [--anchor SEQUENCE:HASH ...]` — check the audit log's hash chain.

Walks the entries in sequence order and recomputes each hash (`AuditEntry.canonical`). Prints the
count, the newest sequence and hash, and "OK"; or the first broken entry and exits 1:
- a sequence number missing → an entry was deleted;
- prev_hash not the previous entry's hash → an entry was deleted, inserted or reordered;
- hash not matching the content → the entry was altered.

The chain alone cannot tell that the newest entries were removed, or that the whole log was emptied
or rewritten by someone who recomputed every hash. Record the printed newest "SEQUENCE:HASH" outside
the system (the backup report, the monthly report to the city) and pass earlier ones as --anchor.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from audit.models import GENESIS_HASH, AuditEntry


def _anchor(value: str) -> tuple[int, str]:
    sequence, sep, digest = value.partition(":")
    if not sep or not sequence.isdigit() or len(digest) != 64:
        raise ValueError(value)
    return int(sequence), digest.lower()


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("監査ログのハッシュの連鎖を再計算し、削除・改ざんがないか確かめます。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="SEQUENCE:HASH",
            help=_("以前に控えた「連番:ハッシュ」。その記録が今もそのままあるかも確かめます（複数可）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchors = dict(_anchor(value) for value in options["anchor"])
        except ValueError as exc:
            raise CommandError(_("--anchor は「連番:ハッシュ(64桁)」で指定してください: %s") % exc) from exc

        expected_sequence, prev_hash, count = 1, GENESIS_HASH, 0
        for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
            problem = None
            if entry.sequence != expected_sequence:
                problem = _("連番 %(expected)d から %(found)d の前までの記録がありません（削除の疑い）。") % {
                    "expected": expected_sequence,
                    "found": entry.sequence,
                }
            elif entry.prev_hash != prev_hash:
                problem = _("連番 %(seq)d: 直前の記録とのつながり（prev_hash）が一致しません。") % {
                    "seq": entry.sequence
                }
            elif entry.compute_hash() != entry.hash:
                problem = _("連番 %(seq)d: 内容がハッシュと一致しません（改ざんの疑い）。") % {
                    "seq": entry.sequence
                }
            elif entry.sequence in anchors and anchors.pop(entry.sequence) != entry.hash:
                problem = _("連番 %(seq)d: 控えのハッシュと一致しません（書き換えの疑い）。") % {
                    "seq": entry.sequence
                }
            if problem:
                raise CommandError(
                    _("NG: %(count)d件目まで正常。%(problem)s") % {"count": count, "problem": problem}
                )
            expected_sequence, prev_hash, count = entry.sequence + 1, entry.hash, count + 1

        if anchors:
            missing = ", ".join(str(seq) for seq in sorted(anchors))
            raise CommandError(
                _("NG: 控えの連番 %(missing)s の記録がありません（末尾の削除または全体の消去の疑い）。")
                % {"missing": missing}
            )
        self.stdout.write(
            _("記録 %(count)d件、最新 %(head)s")
            % {"count": count, "head": f"{expected_sequence - 1}:{prev_hash}"}
        )
        self.stdout.write(self.style.SUCCESS("OK"))
