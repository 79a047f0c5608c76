"""Benchmark of the money path: claim file check and store, concurrent approvals, claim-row export.

    make bench-claims                      # = .venv/bin/python bench/claims.py
    .venv/bin/python bench/claims.py [--rows 10000] [--claims 5000] [--workers 8] [--export-rows 100000]

Creates its own PostgreSQL database (`sendai_stay_bench_claims` on the server of `DATABASE_URL`),
migrates and seeds it, then measures (issue targets in brackets):

1. upload: check and store one 10,000-row claim file through `claims.services.upload`, the same call
   the hotel's upload makes [≤ 5 s, peak memory ≤ 300 MB];
2. approve: 5,000 submitted claims approved by 8 worker processes at once, each taking an eighth of
   them in its own order, on allocations that cover only part of them, so the workers contend for
   the same campaign and facility balances [throughput; zero overspend, ledger balanced] (the
   pytest race test makes every worker try every claim);
3. export: 100,000 claim rows written to .xlsx by `claims.reports.write_claim_lines` [peak memory
   ≤ 300 MB].

Each measurement runs in a fresh child process so that its peak memory (ru_maxrss of that process,
which includes Python and Django themselves) is its own. Exit status 0 either way: read PASS/OVER.
"""

from __future__ import annotations

import argparse
import datetime
import io
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import configure_django, database_urls, recreate_database

DEFAULT_BENCH_DB = "sendai_stay_bench_claims"
UPLOAD_SECONDS, PEAK_MB = 5.0, 300.0
D = datetime.date
STAY_START, STAY_END = D(2025, 5, 26), D(2025, 7, 10)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def verdict(ok: bool) -> str:
    return "PASS" if ok else "OVER"


def claim_csv(rows: int, prefix: str, seed: int = 1) -> bytes:
    from claims.claim_file import COLUMNS

    rng = random.Random(seed)
    lines = [",".join(COLUMNS)]
    for n in range(rows):
        check_in = STAY_START + datetime.timedelta(days=rng.randrange(40))
        nights, guests = rng.randint(1, 3), rng.randint(1, 4)
        price = rng.choice([6_000, 8_000, 12_000, 18_000])
        total = price * nights * guests
        discount = min(price * 20 // 100, 3_000) * nights * guests
        lines.append(
            f"{prefix}-{n},2025-05-10,{check_in:%Y-%m-%d},{nights},{guests},{total},{discount},直販,宮城県"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def setup_round(code: str, allocation: int):
    """A facility approved on 2025-05-01 in the benchmark round, with an allocation."""
    from campaigns.models import Campaign
    from claims import budget
    from facilities.models import Area, Facility, FacilityType, Participation, Ward

    campaign, _ = Campaign.objects.get_or_create(
        slug="bench-2025",
        defaults={
            "name": "ベンチマーク",
            "stay_start": STAY_START,
            "stay_end": STAY_END,
            "application_start": D(2025, 4, 1),
            "application_end": D(2025, 5, 9),
            "budget": 10_000_000_000,
        },
    )
    facility = Facility.objects.create(
        code=code,
        name=f"ベンチ施設{code}",
        facility_type=FacilityType.objects.get(slug="hotel"),
        ward=Ward.objects.get(slug="aoba"),
        area=Area.objects.get(slug="sendai-station"),
        address="仙台市青葉区中央1-1-1",
    )
    participation = Participation.objects.create(
        facility=facility, campaign=campaign, approved_on=D(2025, 5, 1)
    )
    budget.set_allocation(participation, allocation)
    return participation


# --- 1. upload ------------------------------------------------------------------------------------
def upload_child(bench_url: str, rows: int, queue) -> None:
    configure_django(bench_url)
    from claims import services

    participation = setup_round("BU1", 10_000_000_000 // 2)
    data = claim_csv(rows, "U")
    started = time.perf_counter()
    outcome = services.upload(
        participation, D(2025, 6, 1), data, "bench.csv", None, claim_date=D(2025, 7, 31)
    )
    seconds = time.perf_counter() - started
    stored = outcome.claim.lines.count()
    queue.put(
        {
            "seconds": seconds,
            "stored": stored,
            "rejected": len(outcome.result.rejected_rows),
            "peak": peak_mb(),
        }
    )


# --- 2. approve -----------------------------------------------------------------------------------
def prepare_claims(bench_url: str, claims: int, queue) -> None:
    configure_django(bench_url)
    from django.db import transaction

    from claims import budget
    from claims.models import Claim, ClaimLine, ClaimStatus

    facilities = 50
    per_facility = claims // facilities
    amount = 8_000
    ids = []
    with transaction.atomic():
        for f in range(facilities):
            # Each allocation covers about 60 % of the facility's claims.
            participation = setup_round(f"BA{f:03d}", int(per_facility * amount * 0.6))
            for n in range(per_facility):
                claim = Claim.objects.create(participation=participation, month=D(2025, 6, 1))
                ClaimLine.objects.create(
                    claim=claim,
                    participation=participation,
                    row=2,
                    reservation_number=f"A{f}-{n}",
                    booked_on=D(2025, 5, 10),
                    check_in=D(2025, 6, 1),
                    nights=2,
                    guests=2,
                    total_charge=40_000,
                    discount=amount,
                    counted_nights=2,
                    max_discount=amount,
                    reimbursement=amount,
                )
                claim.claimed_amount = amount
                claim.status = ClaimStatus.SUBMITTED
                claim.save(update_fields=["claimed_amount", "status"])
                budget.reserve(claim, amount)
                ids.append(str(claim.pk))
    queue.put({"ids": ids, "affordable": facilities * int(per_facility * 0.6)})


def approve_worker(bench_url: str, ids: list[str], seed: int) -> dict[str, int]:
    configure_django(bench_url)
    from claims import budget, services
    from claims.models import Claim

    order = list(ids)
    random.Random(seed).shuffle(order)
    counts = {"approved": 0, "refused": 0}
    for claim_id in order:
        try:
            services.approve(Claim.objects.get(pk=claim_id), None)
            counts["approved"] += 1
        except (budget.BudgetError, services.ClaimError):
            counts["refused"] += 1
    return counts


def check_budget(bench_url: str, queue) -> None:
    configure_django(bench_url)
    from campaigns.models import Campaign
    from claims import budget
    from claims.models import BudgetAccount

    campaign = Campaign.objects.get(slug="bench-2025")
    over = BudgetAccount.objects.filter(campaign=campaign).extra(where=['approved > "limit"']).count()
    queue.put({"overspent_accounts": over, "ledger_problems": budget.verify_ledger(campaign)})


# --- 3. export ------------------------------------------------------------------------------------
def export_child(bench_url: str, rows: int, queue) -> None:
    configure_django(bench_url)
    from campaigns.models import Campaign
    from claims import reports
    from claims.models import Claim, ClaimLine

    participation = setup_round("BE1", 0)
    campaign = Campaign.objects.get(slug="bench-2025")
    claim = Claim.objects.create(participation=participation, month=D(2025, 6, 1))
    batch = []
    for n in range(rows):
        batch.append(
            ClaimLine(
                claim=claim,
                participation=participation,
                row=n + 2,
                reservation_number=f"E-{n}",
                booked_on=D(2025, 5, 10),
                check_in=D(2025, 6, 1),
                nights=2,
                guests=2,
                total_charge=40_000,
                discount=8_000,
                channel="OTA",
                prefecture="宮城県",
                counted_nights=2,
                max_discount=8_000,
                reimbursement=8_000,
            )
        )
        if len(batch) == 5_000:
            ClaimLine.objects.bulk_create(batch)
            batch = []
    ClaimLine.objects.bulk_create(batch)
    total = ClaimLine.objects.filter(claim__participation__campaign=campaign).count()
    before = peak_mb()
    with tempfile.TemporaryFile() as sink:
        started = time.perf_counter()
        written = reports.write_claim_lines(campaign, sink)
        seconds = time.perf_counter() - started
        size_mb = sink.tell() / 1024 / 1024
    queue.put(
        {
            "rows": written,
            "total": total,
            "seconds": seconds,
            "peak": peak_mb(),
            "before": before,
            "mb": size_mb,
        }
    )


def child(target, *args):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the uploaded claim file")
    parser.add_argument("--claims", type=int, default=5_000, help="claims approved concurrently")
    parser.add_argument("--workers", type=int, default=8, help="approving processes")
    parser.add_argument("--export-rows", type=int, default=100_000, help="claim rows exported to Excel")
    parser.add_argument("--database", default=DEFAULT_BENCH_DB)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    server_url, bench_url = database_urls(args.database)
    print(f"Creating database {args.database} …", flush=True)
    recreate_database(server_url, args.database)
    try:
        configure_django(bench_url)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())
        connections.close_all()
        print(f"CPUs: {os.cpu_count()}", flush=True)

        upload = child(upload_child, bench_url, args.rows)
        print(
            f"upload   {args.rows:,} rows: {upload['seconds']:.2f} s (target ≤ {UPLOAD_SECONDS:.0f} s) "
            f"{verdict(upload['seconds'] <= UPLOAD_SECONDS)}; peak {upload['peak']:.0f} MB "
            f"(target ≤ {PEAK_MB:.0f} MB) {verdict(upload['peak'] <= PEAK_MB)}; "
            f"{upload['stored']:,} stored, {upload['rejected']:,} rejected",
            flush=True,
        )

        prepared = child(prepare_claims, bench_url, args.claims)
        ids = prepared["ids"]
        context = multiprocessing.get_context("spawn")
        started = time.perf_counter()
        shards = [ids[worker :: args.workers] for worker in range(args.workers)]
        with context.Pool(args.workers) as pool:
            results = pool.starmap(
                approve_worker, [(bench_url, shard, seed) for seed, shard in enumerate(shards)]
            )
        seconds = time.perf_counter() - started
        approved = sum(r["approved"] for r in results)
        state = child(check_budget, bench_url)
        clean = (
            state["overspent_accounts"] == 0
            and not state["ledger_problems"]
            and approved == prepared["affordable"]
        )
        print(
            f"approve  {len(ids):,} claims × {args.workers} workers: {seconds:.1f} s, "
            f"{len(ids) / seconds:.0f} claims/s decided; {approved:,} approved "
            f"(affordable {prepared['affordable']:,}); overspent accounts {state['overspent_accounts']}, "
            f"ledger differences {len(state['ledger_problems'])}: {'PASS' if clean else 'FAIL'}",
            flush=True,
        )

        export = child(export_child, bench_url, args.export_rows)
        print(
            f"export   {export['rows']:,} rows: {export['seconds']:.1f} s, {export['mb']:.1f} MB file; "
            f"peak {export['peak']:.0f} MB "
            f"(before export {export['before']:.0f} MB; target ≤ {PEAK_MB:.0f} MB) "
            f"{verdict(export['peak'] <= PEAK_MB)}",
            flush=True,
        )
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"Kept database {args.database} (--keep).")
        else:
            recreate_database(server_url, args.database, drop_only=True)
            print(f"Dropped database {args.database}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
