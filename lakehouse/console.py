"""What `lakehouse` shows while it works: a live line per phase (layer and dataset or table) with
its elapsed time, on stderr, so stdout stays the command's result (text or `--json`)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class PhaseProgress:
    """The pipeline's `progress(name, seconds)` hook (lakehouse.pipeline.Progress) drawn with rich: a
    spinner and a running clock while a phase works, its seconds once it is done."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]done"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.tasks: dict[str, int] = {}

    def __call__(self, name: str, seconds: float | None) -> None:
        if seconds is None:
            self.tasks[name] = self.progress.add_task(name, total=1)
        elif name in self.tasks:
            self.progress.update(self.tasks[name], completed=1, description=f"{name}: {seconds:.1f} s")

    def __enter__(self) -> PhaseProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()
