"""Timing helpers and the report (Markdown summary table + JSON with every sample)."""

from __future__ import annotations

import json
import math
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Timing:
    """Wall-clock samples in seconds."""

    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def max(self) -> float:
        return max(self.samples)

    def ms(self) -> dict[str, float]:
        return {
            "runs": len(self.samples),
            "p50_ms": round(self.p50 * 1000, 3),
            "p95_ms": round(self.p95 * 1000, 3),
            "max_ms": round(self.max * 1000, 3),
        }


def measure(fn: Callable[[], Any], runs: int, warmup: int = 1) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then ``runs`` times timed."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Timing(samples)


@dataclass
class Row:
    case: str
    name: str
    timing: Timing
    sql: int | None = None
    floor_name: str = ""
    floor: Timing | None = None
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor is None or not self.floor.p50:
            return None
        return self.timing.p50 / self.floor.p50

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "name": self.name,
            **self.timing.ms(),
            "sql": self.sql,
            "floor": self.floor_name,
            "floor_p50_ms": round(self.floor.p50 * 1000, 3) if self.floor else None,
            "floor_p95_ms": round(self.floor.p95 * 1000, 3) if self.floor else None,
            "ratio": round(self.ratio, 2) if self.ratio is not None else None,
            "notes": self.notes,
            "samples_ms": [round(s * 1000, 3) for s in self.timing.samples],
            "floor_samples_ms": (
                [round(s * 1000, 3) for s in self.floor.samples] if self.floor else None
            ),
        }


@dataclass
class Fact:
    case: str
    name: str
    value: Any
    unit: str = ""
    notes: str = ""


@dataclass
class Report:
    """Everything one run measured."""

    mode: str
    rows: list[Row] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    def add(self, case: str, name: str, timing: Timing, **kwargs: Any) -> Row:
        row = Row(case, name, timing, **kwargs)
        self.rows.append(row)
        ratio = f" x{row.ratio:.1f} floor" if row.ratio is not None else ""
        sql = f" sql={row.sql}" if row.sql is not None else ""
        print(
            f"  [{case}] {name}: p50 {timing.p50 * 1000:.1f} ms, p95 {timing.p95 * 1000:.1f} ms"
            f"{sql}{ratio}",
            flush=True,
        )
        return row

    def fact(self, case: str, name: str, value: Any, unit: str = "", notes: str = "") -> None:
        self.facts.append(Fact(case, name, value, unit, notes))
        print(f"  [{case}] {name}: {value} {unit}".rstrip(), flush=True)

    def profile(self, name: str, fn: Callable[[], Any], top: int = 15) -> None:
        """Run ``fn`` once under cProfile and keep the top functions by own time."""
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            fn()
        finally:
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(top)
        text = out.getvalue()
        self.profiles[name] = text[text.find("   Ordered by") :] if "Ordered by" in text else text

    def note(self, case: str, text: str) -> None:
        self.notes.append((case, text))

    # -- output -------------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "total_seconds": round(time.time() - self.started, 1),
            "environment": self.environment,
            "durations_s": {k: round(v, 1) for k, v in self.durations.items()},
            "cases": [r.as_dict() for r in self.rows],
            "facts": [f.__dict__ for f in self.facts],
            "notes": [{"case": c, "text": t} for c, t in self.notes],
            "profiles": self.profiles,
        }

    def summary_table(self) -> str:
        lines = [
            "| Case | Measurement | Runs | p50 ms | p95 ms | max ms | SQL | Floor | "
            "Floor p50 ms | Ratio |",
            "|---|---|---:|---:|---:|---:|---:|---|---:|---:|",
        ]
        for r in self.rows:
            t = r.timing
            lines.append(
                f"| {r.case} | {r.name} | {len(t.samples)} | {t.p50 * 1000:.1f} | "
                f"{t.p95 * 1000:.1f} | {t.max * 1000:.1f} | "
                f"{'' if r.sql is None else r.sql} | {r.floor_name} | "
                f"{'' if r.floor is None else f'{r.floor.p50 * 1000:.1f}'} | "
                f"{'' if r.ratio is None else f'{r.ratio:.1f}x'} |"
            )
        return "\n".join(lines)

    def facts_table(self) -> str:
        lines = ["| Case | Measurement | Value | Notes |", "|---|---|---:|---|"]
        for f in self.facts:
            value = f"{f.value:,.2f}" if isinstance(f.value, float) else f"{f.value}"
            lines.append(f"| {f.case} | {f.name} | {value} {f.unit} | {f.notes} |")
        return "\n".join(lines)

    def markdown(self) -> str:
        env = self.environment
        out = [
            "# Scale benchmark report",
            "",
            f"Mode: **{self.mode}**. Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in "
            f"{time.time() - self.started:.0f} s on {env.get('cpus')} CPU(s), "
            f"Python {platform.python_version()}, PostgreSQL {env.get('postgres', '?')}.",
            "",
            "Every floor is measured in the same run, on the same data, on the same machine: "
            "the cheapest way to produce the same answer. Ratio = p50 / floor p50. "
            "List timings are in-process (Django test client, no HTTP), p50 of the runs.",
            "",
            "## Summary",
            "",
            self.summary_table(),
            "",
            "## Throughput, counts and correctness",
            "",
            self.facts_table(),
            "",
        ]
        if self.notes:
            out += ["## Findings", ""]
            out += [f"- **Case {c}.** {t}" for c, t in self.notes]
            out.append("")
        if self.profiles:
            out += ["## Profiles (cProfile, top functions by own time)", ""]
            for name, text in self.profiles.items():
                out += [f"### {name}", "", "```", text.strip(), "```", ""]
        out += ["## Phase durations", ""]
        out += [f"- {k}: {v:.1f} s" for k, v in self.durations.items()]
        out.append("")
        return "\n".join(out)

    def write(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "report.json").write_text(json.dumps(self.as_dict(), indent=2) + "\n")
        (directory / "report.md").write_text(self.markdown())
