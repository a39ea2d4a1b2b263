"""Medians over the interleaved rounds, ratios between variants, and the targets, as one Markdown table."""

import statistics
from collections import defaultdict

VARIANT_TITLES = {"channels": "Channels by hand", "framework": "framework", "dcrf": "DCRF 1.3.0"}

# (scenario, figure) -> (the framework/DCRF ratio that meets the target, its comparison, how it is written)
ACTION_TARGET = (1.3, ">=", "framework >= 1.3x DCRF")
TARGETS = {
    ("retrieve", "rate"): ACTION_TARGET,
    ("list", "rate"): ACTION_TARGET,
    ("create", "rate"): ACTION_TARGET,
    ("fanout memory K=100", "rate"): (1.5, ">=", "framework >= 1.5x DCRF"),
    ("fanout memory K=100", "p99"): (0.5, "<=", "framework <= 0.5x DCRF"),
    ("fanout redis K=100", "rate"): (1.5, ">=", "framework >= 1.5x DCRF"),
    ("fanout redis K=100", "p99"): (0.5, "<=", "framework <= 0.5x DCRF"),
}
# The loading target compares the framework with itself: observed rows/s over unobserved rows/s.
LOAD_RATIO_TARGET = 0.9


class Results:
    def __init__(self, variants):
        self.variants = variants
        self.rounds = defaultdict(lambda: defaultdict(list))  # scenario -> variant -> [figures of a round]
        self.failures = defaultdict(dict)  # scenario -> variant -> message
        self.load_cpu = {}  # scenario -> share of one core the load generator used

    def add(self, scenario, variant, figures):
        self.rounds[scenario][variant].append(figures)

    def fail(self, scenario, variant, error):
        self.failures[scenario][variant] = f"{type(error).__name__}: {error}".strip()

    def median(self, scenario, variant, figure):
        values = [figures[figure] for figures in self.rounds[scenario].get(variant, ()) if figure in figures]
        return statistics.median(values) if values else None

    def as_json(self):
        return {
            "variants": self.variants,
            "rounds": {scenario: dict(by_variant) for scenario, by_variant in self.rounds.items()},
            "failures": dict(self.failures),
            "load_generator_cpu": self.load_cpu,
        }


def scenario_rows(results):
    """(label, scenario, figure, unit) for every figure that was measured, in reading order."""
    for scenario in results.rounds:
        if scenario in ("ping", "retrieve", "list", "create"):
            yield f"`{scenario}` actions/s", scenario, "rate", "rate"
            yield f"`{scenario}` server CPU µs per action", scenario, "cpu_us", "rate"
        elif scenario.startswith("fanout"):
            label = scenario.replace("fanout ", "fan-out ")
            yield f"{label} deliveries/s", scenario, "rate", "rate"
            yield f"{label} p50 latency ms", scenario, "p50", "ms"
            yield f"{label} p99 latency ms", scenario, "p99", "ms"
            yield f"{label} server CPU µs per delivery", scenario, "cpu_us", "rate"
        elif scenario == "orm":
            yield "ORM load, observed model rows/s", scenario, "observed", "rate"
            yield "ORM load, unobserved model rows/s", scenario, "unobserved", "rate"
            yield "ORM load, observed / unobserved", scenario, "ratio", "ratio"


def number(value, unit):
    if value is None:
        return "failed"
    if unit == "ms":
        return f"{value:.1f}"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def verdict(scenario, figure, fw_vs_dcrf, fw_value):
    if scenario == "orm" and figure == "ratio":
        if fw_value is None:
            return f"framework >= {LOAD_RATIO_TARGET}x unobserved: not measured"
        met = fw_value >= LOAD_RATIO_TARGET
        return f"framework >= {LOAD_RATIO_TARGET}x unobserved: {'met' if met else 'MISSED'}"
    target = TARGETS.get((scenario, figure))
    if target is None:
        return ""
    bound, comparison, text = target
    if fw_vs_dcrf is None:
        return f"{text}: not measured"
    met = fw_vs_dcrf >= bound if comparison == ">=" else fw_vs_dcrf <= bound
    return f"{text}: {'met' if met else 'MISSED'}"


def table(results):
    variants = results.variants
    header = ["measure", *(VARIANT_TITLES[v] for v in variants)]
    compare = [pair for pair in (("framework", "channels"), ("framework", "dcrf")) if set(pair) <= set(variants)]
    header += [f"{a} / {b}" for a, b in compare] + ["target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, scenario, figure, unit in scenario_rows(results):
        values = {v: results.median(scenario, v, figure) for v in variants}
        ratios = [ratio(values[a], values[b]) for a, b in compare]
        fw_vs_dcrf = ratio(values.get("framework"), values.get("dcrf"))
        cells = [label, *(number(values[v], unit) for v in variants)]
        cells += [number(r, "ratio") + "x" if r is not None else "-" for r in ratios]
        cells.append(verdict(scenario, figure, fw_vs_dcrf, values.get("framework")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def notes(results):
    lines = []
    for scenario, by_variant in results.failures.items():
        for variant, message in by_variant.items():
            lines.append(f"- {scenario}, {variant}: {message}")
    for scenario, by_variant in results.rounds.items():
        lost = sum(figures.get("lost", 0) for rounds in by_variant.values() for figures in rounds)
        if lost:
            lines.append(f"- {scenario}: {lost} saves never reached every socket within the timeout")
    cpu = ", ".join(f"{scenario} {share:.0%}" for scenario, share in results.load_cpu.items())
    lines.append(f"- load generator CPU (share of one core, all variants): {cpu}")
    return "\n".join(lines)
