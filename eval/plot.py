"""The report's picture: one panel per quality metric, one bar per configuration.

matplotlib is imported here only, with the file-only Agg backend, so `import eval` stays
light and no display is needed.
"""

from pathlib import Path

from eval.report import Report
from eval.scores import Kind

PLOT_FILE = "report.png"
PANEL_COLUMNS = 3
PANEL_SIZE_IN = (4.2, 3.0)
DPI = 120


def plot_report(report: Report, out_dir: Path) -> Path | None:
    """Write report.png to `out_dir`; None when there is no quality figure to plot."""
    metrics = report.metrics(Kind.QUALITY)
    if not metrics or not report.configs:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = -(-len(metrics) // PANEL_COLUMNS)
    columns = min(PANEL_COLUMNS, len(metrics))
    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(PANEL_SIZE_IN[0] * columns, PANEL_SIZE_IN[1] * rows),
        squeeze=False,
    )
    names = [result.config.name for result in report.configs]
    colors = [f"C{i % 10}" for i in range(len(names))]
    for axis, metric in zip(axes.flat, metrics, strict=False):
        scores = [{s.metric: s for s in r.scores}.get(metric) for r in report.configs]
        values = [score.value if score else 0.0 for score in scores]
        higher = next((s.higher_is_better for s in scores if s), True)
        bars = axis.bar(range(len(names)), values, color=colors)
        axis.bar_label(bars, fmt="%.3g", fontsize=7)
        axis.set_title(f"{metric} ({'higher' if higher else 'lower'} is better)", fontsize=9)
        axis.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=7)
        axis.tick_params(axis="y", labelsize=7)
    for axis in list(axes.flat)[len(metrics) :]:
        axis.set_visible(False)
    figure.suptitle(report.title, fontsize=10)
    figure.tight_layout()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PLOT_FILE
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path
