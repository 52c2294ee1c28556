"""The progress display of a long run: a rich spinner and what is being checked, on stderr,
shown only once the run has taken PROGRESS_DELAY seconds (short runs never flicker) and
removed when the run ends, so the report starts on a clean line."""

from __future__ import annotations

import threading

PROGRESS_DELAY = 0.5  # seconds: a run shorter than this shows no progress at all


class Progress:
    def __init__(self, message: str, colour: bool) -> None:
        self.message = message
        self.colour = colour
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.live = None
        self.thread = threading.Thread(target=self._show_later, daemon=True)

    def __enter__(self) -> Progress:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        with self.lock:
            self.done.set()
            if self.live is not None:
                self.live.stop()
                self.live.console.show_cursor(True)

    def _show_later(self) -> None:
        if self.done.wait(PROGRESS_DELAY):
            return
        from rich.console import Console
        from rich.spinner import Spinner

        console = Console(stderr=True, no_color=not self.colour, highlight=False)
        with self.lock:
            if self.done.is_set():
                return
            from rich.live import Live

            self.live = Live(Spinner("dots", text=f"{self.message}…"), console=console, transient=True,
                             refresh_per_second=8)
            self.live.start()
            # Live hides the cursor; a Ctrl-C ends the process at once and must not leave
            # the user's terminal without one.
            console.show_cursor(True)
