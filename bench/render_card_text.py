"""Time to render hostile card text: the inputs that made Python-Markdown quadratic (issue 20).

Each input is rendered as a page renders it (``render_card_text``: cmark-gfm, the
nesting check, the nh3 sanitiser) and as the card form checks it (``card_text_problem``);
the best of ``--repeats`` runs is reported, in milliseconds. Inputs longer than the
card-text limit are also timed at the limit itself, the longest text a card can hold.

    .venv/bin/python bench/render_card_text.py [--repeats 5]

Prints one line per input; the last line is one JSON object of the figures.
"""

import argparse
import json
import os
import time

import _project_root  # noqa: E402,F401  (puts the project root on sys.path)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from apps.cards.rendering import CARD_TEXT_MAX_CHARS, card_text_problem, render_card_text  # noqa: E402

HOSTILE_INPUTS = {
    "brackets": "[" * 20000,
    "link_openers": "[a](" * 4000,
    "autolink_openers": "<http://a" * 5000,
    "nested_list": "".join("  " * level + "- x\n" for level in range(500)),
    "compact_nested_list": "- " * 500 + "x",
    "emphasis": "*a" * 10000,
    "table": "|a|b|\n|-|-|\n" + "|x|y|\n" * 3000,
}


def best_ms(function, text: str, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(text)
        timings.append(time.perf_counter() - start)
    return round(1000 * min(timings), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    figures = {}
    for name, text in HOSTILE_INPUTS.items():
        variants = {name: text}
        if len(text) > CARD_TEXT_MAX_CHARS:
            variants[f"{name}_at_limit"] = text[:CARD_TEXT_MAX_CHARS]
        for label, variant in variants.items():
            render = best_ms(render_card_text, variant, args.repeats)
            check = best_ms(card_text_problem, variant, args.repeats)
            figures[f"{label}_render_ms"] = render
            figures[f"{label}_check_ms"] = check
            print(f"{label:32s} {len(variant):7,d} chars  render {render:8.3f} ms  check {check:8.3f} ms")
    figures["max_render_ms"] = max(value for key, value in figures.items() if key.endswith("_render_ms"))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
