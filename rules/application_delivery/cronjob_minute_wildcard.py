"""A CronJob meant to run once at some hours does not run every minute of them.

Fires on a CronJob whose `schedule` has `*` (or `*/1`) in the minute field while
the hour field names particular hours: one hour (`3`), a list (`0,12`) or a step
(`*/6`, `*/24`). Such a schedule starts a Job every minute of each of those hours,
60 a time. It also fires when both minute and hour are `*` while the day, month or
weekday names some (`* * * * 1`): a Job every minute of those whole days, 1440 a
day, where once a day was meant.

Why it matters:
    `* */24 * * *` reads like "once a day" but is "every minute from 00:00 to 00:59":
    sixty Jobs back to back, each a full run of a backup, a report or a sync, with
    pods piling up when a run lasts over a minute (the default `concurrencyPolicy`
    is `Allow`). The mistake is silent: the API server accepts it, and the first
    sign is a flood of Jobs or a bill (corpus24's hobbes synchronisation job).

How to fix:
    Give the minute the run should start at:

        spec:
          schedule: "0 */24 * * *"    # once a day at 00:00 (or "@daily")

Notes:
    Every minute of every day (`* * * * *`) or of a window of hours
    (`* 9-17 * * 1-5`) is taken as meant and not judged; so are other minute steps
    (`*/5 3 * * *`). Macros (`@daily`), a time zone prefix
    (`CRON_TZ=Europe/Paris`), and schedules a template fills (`${SCHEDULE}`) are read
    or skipped as such; a value unknown during preview fires nothing. Offline, a
    schedule a kustomize patch of the run writes is judged as the patch writes it
    (at the line of the schedule it replaces), and not at all when overlays write
    different ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import is_template_text

_TIME_ZONE = lazy_compile(r"^(?:CRON_TZ|TZ)=\S+\s+")
_EVERY_MINUTE = ("*", "*/1", "0-59", "0-59/1")
_EVERY_HOUR = ("*", "*/1", "0-23", "0-23/1")
_NUMBERS = lazy_compile(r"\d{1,2}(?:,\d{1,2})*")
_STEP = lazy_compile(r"(\*|\d{1,2})/(\d{1,2})")


def named_hours(field: str) -> list[int] | None:
    """The hours an hour field names when it names particular ones (`3`, `0,12`,
    `*/6`, `2/8`), None for every hour or a window (`*`, `9-17`) or what is not read."""
    if _NUMBERS.fullmatch(field):
        hours = sorted({int(part) for part in field.split(",")})
        return hours if all(hour < 24 for hour in hours) else None
    step = _STEP.fullmatch(field)
    if step is None:
        return None
    start, every = (0 if step[1] == "*" else int(step[1])), int(step[2])
    if every < 2 or start > 23:
        return None
    return list(range(start, 24, every))


def check(cronjob: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    if cronjob.is_custom_resource:
        return
    # Offline, the schedule a kustomize patch of the run writes is the one deployed
    # (corpus45's etcd backup: `* * 2 * *` patched to `* * 1 * *`, both every minute).
    schedule = cronjob.deployed_value("spec", "schedule")
    if not isinstance(schedule, str) or is_template_text(schedule):
        return
    said = f'schedule "{schedule.strip()}"'
    if cronjob.patched("spec", "schedule"):
        said += " (as a kustomize patch of the run writes it)"
    fields = _TIME_ZONE.sub("", schedule.strip()).split()
    if len(fields) != 5 or fields[0] not in _EVERY_MINUTE:
        return
    hours = named_hours(fields[1])
    if not hours and fields[1] in _EVERY_HOUR and any(field not in ("*", "?") for field in fields[2:]):
        # Every minute of the whole day, on some days only (`* * * * 1`: corpus30's
        # FAANG ontology update, beside a sibling at `0 6 * * *`): meant once a day.
        once = " ".join(["0", "0", *fields[2:]])
        yield Violation(
            ("spec", "schedule"),
            f"{said} starts a Job every minute of the whole day on the days it names, "
            f'1440 a day; to run once on each, give the minute and hour ("{once}")',
        )
        return
    if not hours:
        return
    shown = ", ".join(f"{hour:02d}:00" for hour in hours[:6]) + (", ..." if len(hours) > 6 else "")
    minute_zero = " ".join(["0", *fields[1:]])
    yield Violation(
        ("spec", "schedule"),
        f"{said} starts a Job every minute of the hours it names ({shown}), "
        f'{60 * len(hours)} a day; to run once at each, give the minute ("{minute_zero}")',
    )


RULE = Rule(
    name="cronjob-minute-wildcard",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="application-delivery",
    kinds={"CronJob"},
    check=check,
    profiles=("correctness",),
    reads_overlays=True,
)
