"""The pack's debug log, with `logging` imported only when something is logged.

Rules that fail and folds that cannot be computed are logged at debug level (shown by
`policypack lint --debug`); a run where nothing fails never needs the logging module,
whose import was a measurable share of a one-file lint's start-up (issue 15).
"""

from __future__ import annotations

from typing import Any


class _Log:
    def debug(self, message: str, *args: Any, **kwargs: Any) -> None:
        import logging

        logging.getLogger("policypack").debug(message, *args, **kwargs)


log = _Log()
