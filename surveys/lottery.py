"""The prize lottery (景品の抽選): an algorithm anyone can re-run, and the only code that changes a draw.

Why it is built this way: the city must be able to check, without trusting us or our database,
that the winners were not chosen by hand. So a draw is fixed in public before anyone can know its
outcome, and afterwards everything needed to recompute it is published:

1. 名簿を確定 (freeze): the eligible entries' public ids (`E000123`) become the frozen list, in
   canonical form (sorted by byte value, one per line, `\\n` line ends, UTF-8, trailing newline). Its
   SHA-256 and the SHA-256 of a fresh secret seed (the commitment) are shown and handed to the city's
   witness. The seed itself stays hidden.
2. 抽選を実行 (draw): the witness may type any text (立会人の入力), which nobody could know at freeze
   time. Each id scores SHA-256(seed + "\\n" + witness + "\\n" + id); the lowest scores win, in rank
   order (ties broken by id). Then the seed is revealed.
3. Anyone checks: SHA-256(list file) = the list hash, SHA-256(seed) = the commitment, and the scores
   give the recorded winners (`python manage.py lottery_verify`).

The functions in the first section are pure and need neither Django nor a database. The services
after them lock the survey row, so two staff clicking at once cannot make two draws, and record every
step as a `LotteryEvent`.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    DrawKind,
    DrawState,
    LotteryDraw,
    LotteryEntry,
    LotteryEvent,
    LotteryWinner,
    ShippingStatus,
    Survey,
)

ID_PATTERN = re.compile(r"^E\d{6,}$")


class LotteryError(Exception):
    """A step the rules do not allow; the message is shown to the user as is."""


# --- the algorithm (pure) ---------------------------------------------------------------------------


def public_id(number: int) -> str:
    return f"E{number:06d}"


def id_number(entry_id: str) -> int:
    return int(entry_id[1:])


def canonical_list(ids: Iterable[str]) -> str:
    """The frozen list's text: unique ids sorted by byte value, one per line, with a final newline."""
    unique = sorted(set(ids), key=lambda value: value.encode("utf-8"))
    return "".join(f"{entry_id}\n" for entry_id in unique)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_list(text: str) -> list[str]:
    """The ids of a list file; refuses anything that is not exactly the canonical form (CRLF, order,
    blanks, duplicates), because a different byte gives a different hash."""
    ids = text.split("\n")
    if ids[-1] != "":
        raise ValueError(_("名簿の最後の行が改行で終わっていません。"))
    ids = ids[:-1]
    bad = [entry_id for entry_id in ids if not ID_PATTERN.match(entry_id)]
    if bad:
        raise ValueError(_("応募番号でない行があります: %(line)r") % {"line": bad[0]})
    if canonical_list(ids) != text:
        raise ValueError(_("名簿が正規の形（重複なし・昇順）ではありません。"))
    return ids


def new_seed() -> str:
    """32 random bytes as 64 hex digits."""
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    """SHA-256 of the seed's ASCII hex string: published before the draw, checked after it."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def score(seed: str, witness: str, entry_id: str) -> str:
    return sha256_hex(f"{seed}\n{witness}\n{entry_id}")


def rank_entries(ids: Sequence[str], seed: str, witness: str, winners: int) -> list[tuple[str, str]]:
    """The first `winners` (id, score) pairs by ascending score, then id."""
    if winners < 1:
        raise LotteryError(_("当選者数は1以上にしてください。"))
    if winners > len(ids):
        raise LotteryError(
            _("当選者数（%(wanted)d）が名簿の件数（%(count)d）を超えています。")
            % {"wanted": winners, "count": len(ids)}
        )
    scored = sorted((score(seed, witness, entry_id), entry_id) for entry_id in ids)
    return [(entry_id, value) for value, entry_id in scored[:winners]]


def normalise(text: str) -> str:
    """For comparing what people typed: full-width to half-width, no spaces, case-insensitive."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


def digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))


def duplicate_key(name: str, postal_code: str, phone: str) -> tuple[str, str, str]:
    return normalise(name), digits(postal_code), digits(phone)


def deduplicate(entries: Iterable[Any]) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """Keep the earliest entry of each person (same name + postal code + phone).

    `entries` need `name`, `postal_code`, `phone`, `created_at` and `number`. Returns the kept
    entries and (dropped, kept) pairs.
    """
    kept: dict[tuple[str, str, str], Any] = {}
    dropped: list[tuple[Any, Any]] = []
    for entry in sorted(entries, key=lambda e: (e.created_at, e.number)):
        key = duplicate_key(entry.name, entry.postal_code, entry.phone)
        if key in kept:
            dropped.append((entry, kept[key]))
        else:
            kept[key] = entry
    return list(kept.values()), dropped


@dataclass
class Verification:
    """What `verify` found: the hashes, the winners in rank order and every mismatch."""

    count: int = 0
    list_sha256: str = ""
    commitment: str = ""
    winners: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    list_text: str,
    seed: str,
    witness: str,
    winners: int,
    *,
    expected_list_sha256: str = "",
    expected_commitment: str = "",
    expected_winners: Sequence[str] | None = None,
) -> Verification:
    """Recompute a draw from its published parts and compare with what was announced."""
    result = Verification(list_sha256=sha256_hex(list_text), commitment=commitment(seed))
    try:
        ids = parse_list(list_text)
    except ValueError as exc:
        result.problems.append(str(exc))
        ids = [line for line in list_text.splitlines() if line.strip()]
    result.count = len(ids)
    if expected_list_sha256 and expected_list_sha256.lower() != result.list_sha256:
        result.problems.append(_("名簿の SHA-256 が一致しません。"))
    if expected_commitment and expected_commitment.lower() != result.commitment:
        result.problems.append(_("シードが事前公開の SHA-256（コミットメント）と一致しません。"))
    try:
        result.winners = rank_entries(ids, seed, witness, winners)
    except LotteryError as exc:
        result.problems.append(str(exc))
    if expected_winners is not None and [w for w, _s in result.winners] != list(expected_winners):
        result.problems.append(_("記録された当選者が再計算の結果と一致しません。"))
    return result


# --- what the services share ------------------------------------------------------------------------

EVENT_LABELS = {
    "freeze": gettext_lazy("名簿を確定"),
    "redraw": gettext_lazy("再抽選の名簿を確定"),
    "draw": gettext_lazy("抽選を実行"),
    "cancel": gettext_lazy("抽選を取消し"),
    "status": gettext_lazy("発送状況を変更"),
    "list_download": gettext_lazy("確定名簿をダウンロード"),
    "mailing_download": gettext_lazy("宛名リストをダウンロード"),
    "entries_view": gettext_lazy("応募者一覧を閲覧"),
    "entries_download": gettext_lazy("応募者一覧をダウンロード"),
}

S = ShippingStatus
TO_SHIP = (S.PENDING, S.RESENT)
REDRAWABLE = (S.UNDELIVERED, S.DECLINED, S.INELIGIBLE)
# Which shipping status may follow which. 辞退 and 対象外 are final; a 不着 prize is either sent again
# (再送) after talking with the city or its winner is replaced by a redraw.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PENDING: (S.SHIPPED, S.DECLINED, S.INELIGIBLE),
    S.SHIPPED: (S.UNDELIVERED, S.DECLINED, S.INELIGIBLE),
    S.UNDELIVERED: (S.RESENT, S.DECLINED, S.INELIGIBLE),
    S.RESENT: (S.SHIPPED, S.UNDELIVERED, S.DECLINED, S.INELIGIBLE),
    S.DECLINED: (),
    S.INELIGIBLE: (),
}


def record(
    survey: Survey,
    action: str,
    actor,
    detail: str = "",
    *,
    draw: LotteryDraw | None = None,
    winner: LotteryWinner | None = None,
) -> LotteryEvent:
    """Write who did what; views call it too, for downloads and for looking at personal data."""
    return LotteryEvent.objects.create(
        survey=survey, action=action, actor=actor, detail=detail, draw=draw, winner=winner
    )


def find_draw(survey_slug: str, number: int) -> LotteryDraw | None:
    """A recorded draw by the survey's URL 名 and its number, as the commands and the README name it."""
    from wagtail.models import Locale

    return (
        LotteryDraw.objects.filter(
            survey__slug=survey_slug, survey__locale=Locale.get_default(), number=number
        )
        .select_related("survey")
        .first()
    )


def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


def _lock(survey: Survey) -> Survey:
    """Lock the survey row: every lottery step of one survey runs one at a time."""
    return Survey.objects.select_for_update().get(pk=survey.pk)


def _lock_draw(draw: LotteryDraw) -> tuple[Survey, LotteryDraw]:
    survey = _lock(draw.survey)
    return survey, LotteryDraw.objects.select_for_update().get(pk=draw.pk)


def previous_winner_numbers(survey: Survey) -> set[int]:
    """Everyone who has won in any draw of the survey, whatever happened to their prize since."""
    return set(
        LotteryWinner.objects.filter(draw__survey=survey, draw__state=DrawState.DRAWN).values_list(
            "entry_number", flat=True
        )
    )


@dataclass
class EligibleList:
    ids: list[str]
    duplicates: list[tuple[str, str]]  # (dropped id, kept id)
    previous_winners: int

    @property
    def text(self) -> str:
        return canonical_list(self.ids)


def eligible_list(survey: Survey) -> EligibleList:
    """The survey's entries, one per person, minus everyone who already won."""
    entries = LotteryEntry.objects.filter(survey=survey).only(
        "number", "name", "postal_code", "phone", "created_at"
    )
    kept, dropped = deduplicate(entries)
    won = previous_winner_numbers(survey)
    ids = [public_id(e.number) for e in kept if e.number not in won]
    return EligibleList(
        ids=ids,
        duplicates=[(public_id(d.number), public_id(k.number)) for d, k in dropped],
        previous_winners=sum(1 for e in kept if e.number in won),
    )


def _freeze_detail(draw: LotteryDraw, eligible: EligibleList, note: str) -> str:
    lines = [
        _("第%(number)d回（%(kind)s）: 当選者数 %(wanted)d、名簿 %(count)d件")
        % {
            "number": draw.number,
            "kind": draw.get_kind_display(),
            "wanted": draw.winners_wanted,
            "count": draw.list_count,
        },
        _("名簿の SHA-256: %(hash)s") % {"hash": draw.list_sha256},
        _("シードの SHA-256（コミットメント）: %(hash)s") % {"hash": draw.seed_commitment},
        _("過去の当選者として除外: %(count)d件") % {"count": eligible.previous_winners},
        _("重複として除外（氏名・郵便番号・電話番号が同じ応募は最も早いものだけを残す）: %(count)d件")
        % {"count": len(eligible.duplicates)},
    ]
    lines += [
        _("%(dropped)s（%(kept)s と同一）") % {"dropped": dropped, "kept": kept}
        for dropped, kept in eligible.duplicates
    ]
    if note:
        lines.append(_("備考: %(note)s") % {"note": note})
    return "\n".join(lines)


def _freeze(survey: Survey, actor, winners_wanted: int, note: str, kind: str) -> LotteryDraw:
    if LotteryDraw.objects.filter(survey=survey, state=DrawState.FROZEN).exists():
        raise LotteryError(_("抽選前の確定名簿があります。先にその抽選を実行するか取り消してください。"))
    eligible = eligible_list(survey)
    if winners_wanted < 1:
        raise LotteryError(_("当選者数は1以上にしてください。"))
    if winners_wanted > len(eligible.ids):
        raise LotteryError(
            _("当選者数（%(wanted)d）が名簿の件数（%(count)d）を超えています。")
            % {"wanted": winners_wanted, "count": len(eligible.ids)}
        )
    text = eligible.text
    seed = new_seed()
    last = LotteryDraw.objects.filter(survey=survey).order_by("-number").values_list("number", flat=True)
    try:
        with transaction.atomic():
            draw = LotteryDraw.objects.create(
                survey=survey,
                number=(last.first() or 0) + 1,
                kind=kind,
                state=DrawState.FROZEN,
                winners_wanted=winners_wanted,
                entry_list=text,
                list_count=len(eligible.ids),
                list_sha256=sha256_hex(text),
                seed_commitment=commitment(seed),
                seed=seed,
                note=note,
                frozen_at=timezone.now(),
                frozen_by=actor,
            )
    except IntegrityError as exc:  # a concurrent freeze won; the lock makes this rare
        raise LotteryError(_("同時に別の操作が行われました。画面を再読み込みしてください。")) from exc
    record(
        survey,
        "freeze" if kind == DrawKind.DRAW else "redraw",
        actor,
        _freeze_detail(draw, eligible, note),
        draw=draw,
    )
    return draw


@transaction.atomic
def freeze(survey: Survey, actor, winners_wanted: int, note: str = "") -> LotteryDraw:
    """名簿を確定: fix the list and commit to a secret seed; nothing is drawn yet."""
    survey = _lock(survey)
    return _freeze(survey, actor, winners_wanted, note, DrawKind.DRAW)


@transaction.atomic
def draw(lottery_draw: LotteryDraw, actor, witness: str = "") -> LotteryDraw:
    """抽選を実行: rank the frozen list with the seed and the witness's input, record the winners and
    reveal the seed. A draw happens once; afterwards it can never change."""
    survey, lottery_draw = _lock_draw(lottery_draw)
    if lottery_draw.state != DrawState.FROZEN:
        raise LotteryError(
            _("この抽選は実行できません（%(state)s）。画面を再読み込みしてください。")
            % {"state": lottery_draw.get_state_display()}
        )
    ids = parse_list(lottery_draw.entry_list)
    ranked = rank_entries(ids, lottery_draw.seed, witness, lottery_draw.winners_wanted)
    numbers = [id_number(entry_id) for entry_id, _score in ranked]
    entries = {e.number: e for e in LotteryEntry.objects.filter(survey=survey, number__in=numbers)}
    LotteryWinner.objects.bulk_create(
        LotteryWinner(draw=lottery_draw, entry=entries.get(number), entry_number=number, rank=rank)
        for rank, number in enumerate(numbers, start=1)
    )
    lottery_draw.state = DrawState.DRAWN
    lottery_draw.witness = witness
    lottery_draw.drawn_at = timezone.now()
    lottery_draw.drawn_by = actor
    lottery_draw.save(update_fields=["state", "witness", "drawn_at", "drawn_by"])
    detail = [
        _("第%(number)d回: 立会人の入力「%(witness)s」")
        % {"number": lottery_draw.number, "witness": witness},
        _("シード（公開）: %(seed)s") % {"seed": lottery_draw.seed},
        _("当選: %(ids)s") % {"ids": "、".join(entry_id for entry_id, _score in ranked)},
    ]
    record(survey, "draw", actor, "\n".join(detail), draw=lottery_draw)
    return lottery_draw


@transaction.atomic
def cancel(lottery_draw: LotteryDraw, actor, reason: str) -> LotteryDraw:
    """Cancel a frozen draw that was never drawn (e.g. a wrong number of winners). The seed is revealed
    so that the record stays complete; a drawn draw cannot be cancelled."""
    survey, lottery_draw = _lock_draw(lottery_draw)
    if lottery_draw.state != DrawState.FROZEN:
        raise LotteryError(_("抽選を実行した後は取り消せません。"))
    if not reason.strip():
        raise LotteryError(_("取消しの理由を入力してください。"))
    lottery_draw.state = DrawState.CANCELLED
    lottery_draw.save(update_fields=["state"])
    released = LotteryWinner.objects.filter(replaced_by=lottery_draw).update(replaced_by=None)
    detail = _("第%(number)d回を取消し（抽選せず）。理由: %(reason)s\nシード（公開）: %(seed)s") % {
        "number": lottery_draw.number,
        "reason": reason.strip(),
        "seed": lottery_draw.seed,
    }
    if released:
        detail += "\n" + _("再抽選の対象に戻した当選者: %(count)d名") % {"count": released}
    record(survey, "cancel", actor, detail, draw=lottery_draw)
    return lottery_draw


def _winners(survey: Survey, winner_ids: Iterable[int]) -> list[LotteryWinner]:
    winner_ids = set(winner_ids)
    winners = list(
        LotteryWinner.objects.select_for_update()
        .filter(pk__in=winner_ids, draw__survey=survey, draw__state=DrawState.DRAWN)
        .select_related("draw")
        .order_by("draw__number", "rank")
    )
    if not winners or len(winners) != len(winner_ids):
        raise LotteryError(_("当選者を選んでください。"))
    return winners


def _ids(winners: Iterable[LotteryWinner]) -> str:
    return "、".join(public_id(w.entry_number) for w in winners)


def status_problem(winners: Sequence[LotteryWinner], status: str) -> str:
    """Why these winners cannot all get `status` ("" if they can); views ask before confirming."""
    if status not in TRANSITIONS:
        return _("発送状況を選んでください。")
    refused = [w for w in winners if status not in TRANSITIONS[w.status] or w.replaced_by_id]
    if refused:
        return _("「%(status)s」にできない当選者が含まれています: %(ids)s") % {
            "status": ShippingStatus(status).label,
            "ids": _ids(refused),
        }
    return ""


def redraw_problem(winners: Sequence[LotteryWinner]) -> str:
    """Why these winners cannot be replaced by a redraw ("" if they can)."""
    refused = [w for w in winners if w.status not in REDRAWABLE or w.replaced_by_id]
    if refused:
        return _(
            "再抽選の対象にできない当選者が含まれています"
            "（不着・辞退・対象外で、まだ再抽選していない方のみ）: %(ids)s"
        ) % {"ids": _ids(refused)}
    return ""


@transaction.atomic
def change_status(
    survey: Survey,
    winner_ids: Iterable[int],
    status: str,
    actor,
    note: str = "",
    shipped_on: datetime.date | None = None,
) -> list[LotteryWinner]:
    """Change the shipping status of several winners at once; all of them or none."""
    survey = _lock(survey)
    winners = _winners(survey, winner_ids)
    label = ShippingStatus(status).label
    problem = status_problem(winners, status)
    if problem:
        raise LotteryError(problem)
    if status == S.SHIPPED and shipped_on is None:
        raise LotteryError(_("発送日を入力してください。"))
    for winner in winners:
        before = winner.get_status_display()
        winner.status = status
        if status == S.SHIPPED:
            winner.shipped_on = shipped_on
        winner.save(update_fields=["status", "shipped_on", "updated_at"])
        detail = _("%(id)s（第%(number)d回 %(rank)d位）: %(before)s → %(after)s") % {
            "id": public_id(winner.entry_number),
            "number": winner.draw.number,
            "rank": winner.rank,
            "before": before,
            "after": label,
        }
        if shipped_on and status == S.SHIPPED:
            detail += " " + _("発送日 %(date)s") % {"date": shipped_on.isoformat()}
        if note:
            detail += "\n" + _("備考: %(note)s") % {"note": note}
        record(survey, "status", actor, detail, draw=winner.draw, winner=winner)
    return winners


@transaction.atomic
def request_redraw(survey: Survey, winner_ids: Iterable[int], actor, note: str = "") -> LotteryDraw:
    """再抽選: freeze a redraw for winners whose prize could not be given (不着 after talking with the
    city, 辞退, 対象外). Its list leaves out everyone who has ever won; it is drawn like any draw."""
    survey = _lock(survey)
    winners = _winners(survey, winner_ids)
    problem = redraw_problem(winners)
    if problem:
        raise LotteryError(problem)
    text = _("再抽選の対象: %(ids)s") % {"ids": _ids(winners)}
    redraw = _freeze(survey, actor, len(winners), f"{text}\n{note}".strip(), DrawKind.REDRAW)
    LotteryWinner.objects.filter(pk__in=[w.pk for w in winners]).update(replaced_by=redraw)
    return redraw


def verify_recorded(lottery_draw: LotteryDraw) -> Verification:
    """Re-check a recorded draw: its hashes, its commitment and its winners."""
    if lottery_draw.state == DrawState.FROZEN:
        result = Verification(
            count=lottery_draw.entry_list.count("\n"), list_sha256=sha256_hex(lottery_draw.entry_list)
        )
        if result.list_sha256 != lottery_draw.list_sha256:
            result.problems.append(_("名簿の SHA-256 が一致しません。"))
        return result
    recorded = [
        public_id(number)
        for number in lottery_draw.winners.order_by("rank").values_list("entry_number", flat=True)
    ]
    result = verify(
        lottery_draw.entry_list,
        lottery_draw.seed,
        lottery_draw.witness,
        lottery_draw.winners_wanted,
        expected_list_sha256=lottery_draw.list_sha256,
        expected_commitment=lottery_draw.seed_commitment,
        expected_winners=recorded if lottery_draw.state == DrawState.DRAWN else None,
    )
    if result.count != lottery_draw.list_count:
        result.problems.append(_("名簿の件数が記録と一致しません。"))
    return result
