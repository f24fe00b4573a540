"""GitHub Actions workflow commands: each finding becomes an annotation on the pull
request's diff (`::error file=F,line=L,col=C,title=RULE::message`).

- `error` for a finding that fails this run's gate, an input that could not be read or
  parsed, and a rule that failed on an object; `warning` for other critical, high and
  medium findings; `notice` for other low ones. Suppressed findings are not shown.
- File names are relative to the working directory (run from the repository root,
  as GitHub resolves them against it).
- The last line is the text summary, as plain log output.

GitHub shows at most 10 error and 10 warning annotations per step (50 per job): for
the full list use SARIF and code scanning, or JSON.
"""

from __future__ import annotations

from collections.abc import Iterator

from policypack.engine import Finding
from policypack.lint import LintResult
from policypack.report import Gate, ReportOptions, by_file, describe_object, relative_path, summary_line
from policypack.rule import Severity


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, file: str | None, line: int | None, column: int | None, title: str) -> str:
    properties = []
    if file is not None:
        properties.append(f"file={escape_property(file)}")
        if line:
            properties.append(f"line={line}")
            if column:
                properties.append(f"col={column}")
    properties.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(properties)}::{escape_data(message)}"


def level_of(finding: Finding, gate: Gate) -> str:
    if finding.error or gate.fails(finding):
        return "error"
    return "notice" if finding.severity is Severity.LOW else "warning"


def render_github(result: LintResult, gate: Gate, options: ReportOptions) -> str:
    return "\n".join(github_lines(result, gate, options)) + "\n"


def github_lines(result: LintResult, gate: Gate, options: ReportOptions) -> Iterator[str]:
    """`render_github`'s lines, made as they are written."""

    def path(file: str) -> str:
        return relative_path(file, options.root) or file

    for items in by_file(result).values():
        for item in items:
            if not isinstance(item, Finding):
                yield command("error", item.message, path(item.file), item.line, item.column, "policypack")
                continue
            if item.suppression is not None or gate.baselined(item):
                continue
            loc = item.location
            file = path(loc.file) if loc else None
            title = f"{item.rule} (rule failure)" if item.error else item.rule
            status = f"{item.severity.value}, {item.enforcement.value}"
            message = f"{describe_object(item.object)}: {item.message} ({status})"
            yield command(
                level_of(item, gate), message, file, loc.line if loc else None, loc.column if loc else None, title
            )
    yield summary_line(result, gate)
