"""Pictures where people would rather look than read: a timeline's events on a dated line, and a quiz's final
standings as a bar chart. PNGs made with matplotlib's Agg backend (no display, no pyplot state), small enough
for any chat platform's upload limit, each with alt text that says in words what it shows.

Drawing takes a few hundred milliseconds, so it only ever runs where the core runs: in the door's worker threads
(bot/door.py), never on an adapter's event loop. Matplotlib's text and font machinery is shared by every figure,
so one drawing at a time (a lock); the threads still keep the event loop free."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dates import RUSSIA, CalendarRule, HistDate
from bot.errors import BadInput
from bot.response import Button, Image, Reply

MAX_PNG_BYTES = 1_000_000  # far under Discord's 10 MiB and Slack's upload limits; a chat picture needs no more
ALT_CHARS = 1000  # Slack's alt text takes 1,000 characters, Discord's attachment description 1,024
MAX_TIMELINE_EVENTS = 40  # as many as the text timeline lists; more make the rows too thin to read
MAX_STANDINGS = 15
NAME_CHARS = 48  # an event's or member's name on the picture
DPI = (100, 80, 60)  # tried in turn until the PNG is under MAX_PNG_BYTES
PICTURE_WORDS = frozenset({"picture", "chart", "image", "graph"})
_YEARS = re.compile(r"^(\d{3,4})(?:\s*(?:-|–|—|to|\.\.)\s*(\d{3,4}))?$")

# how an event is dated, each its own colour (Okabe and Ito's palette: told apart with any colour vision)
KINDS = {"day": ("on one day", "#0072B2"), "span": ("over days, months or years", "#E69F00"),
         "vague": ("known to the month or year only", "#009E73")}

MARKS = {"day": "o", "span": "s", "vague": "D"}  # and each its own mark, for a print in grey

_drawing = threading.Lock()


# --- the commands' side ----------------------------------------------------------------------------------------


def wants_picture(arg: str) -> tuple[str, bool]:
    """"1917 picture" -> ("1917", True); "1917" -> ("1917", False)."""
    words = arg.split()
    if words and words[-1].lower() in PICTURE_WORDS:
        return " ".join(words[:-1]), True
    return arg, False


def years(arg: str) -> tuple[int, int]:
    """"1917" -> (1917, 1917); "1921-1918" -> (1918, 1921)."""
    m = _YEARS.match(arg.strip())
    if not m:
        raise BadInput("Give a year or a range of years: /timeline 1917 picture or /timeline 1917-1921 picture")
    y1, y2 = int(m.group(1)), int(m.group(2) or m.group(1))
    return min(y1, y2), max(y1, y2)


def timeline_reply(events: Sequence[dict[str, Any]], first: int, last: int, rule: CalendarRule = RUSSIA) -> Reply:
    """The picture reply for the events of the years first..last (rows as store.events_in_years gives them:
    name, date, calendar, end_date, in time order)."""
    span = str(first) if first == last else f"{first}–{last}"
    arg = str(first) if first == last else f"{first}-{last}"
    if not events:
        return Reply(ok=False, kind="not_found", exit_code=1, title=f"No dated events in {span}",
                     body=f"The pack has no dated events in {span}; /timeline {arg} says where its events are.")
    shown = spread(events, MAX_TIMELINE_EVENTS)
    more = len(events) > len(shown)
    some = f" ({len(shown)} of its {len(events)} events, spread over the {'year' if first == last else 'years'})"
    image = timeline_png(shown, f"Timeline {span}" + (some if more else ""),
                         (dt.date(first, 1, 1), dt.date(last, 12, 31)), rule, filename=f"timeline-{arg}.png")
    counts = _kind_counts(_dots(shown))
    body = (f"{len(shown)} events on a dated line, coloured by how each is dated: "
            + ", ".join(f"{n} {KINDS[k][0]}" for k, n in counts.items() if n) + "."
            + (f"\nThe range has {len(events)} events, so these are spread over it: narrow the range to see them "
               "all." if more else "")
            + f"\n/timeline {arg} lists them with their dates in both calendars.")
    return Reply(ok=True, kind="list", title=f"Timeline {span}, as a picture", body=body, image=image,
                 buttons=[Button("As a list", "timeline", arg)])


def spread(items: Sequence[Any], most: int) -> list[Any]:
    """At most `most` of `items`, evenly spaced from the first to the last (all of them when they fit)."""
    if len(items) <= most:
        return list(items)
    if most <= 1:
        return list(items[:most])
    return [items[round(i * (len(items) - 1) / (most - 1))] for i in range(most)]


def picture_button(first: int, last: int) -> Button:
    """The "Picture" button under a text timeline."""
    arg = str(first) if first == last else f"{first}-{last}"
    return Button("Picture", "timeline", f"{arg} picture")


# --- the timeline --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dot:
    name: str
    start: dt.date  # New Style
    end: dt.date  # the last day it covers (== start for one day)
    kind: str  # a key of KINDS
    when: str  # its date as the pack shows it, for the alt text


def _last_day(d: HistDate) -> dt.date:
    """The last New Style day a date covers: the day itself, or the end of its month or year."""
    if d.precise:
        ns = d.new_style
        return dt.date(ns.year, ns.month, ns.day)  # type: ignore[arg-type]
    if d.month is None:
        return dt.date(d.year, 12, 31)
    following = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _first_day(d: HistDate) -> dt.date:
    if d.precise:
        ns = d.new_style
        return dt.date(ns.year, ns.month, ns.day)  # type: ignore[arg-type]
    return dt.date(d.year, d.month or 1, 1)


def _dots(events: Iterable[dict[str, Any]], rule: CalendarRule = RUSSIA) -> list[_Dot]:
    dots = []
    for e in events:
        start = HistDate.parse(e["date"], e["calendar"])
        end = HistDate.parse(e["end_date"], e["calendar"]) if e.get("end_date") else None
        first, last = _first_day(start), _last_day(end or start)
        kind = "span" if end is not None and last > first else "day" if start.precise else "vague"
        when = start.display(rule) + (f" to {end.display(rule)}" if end is not None else "")
        dots.append(_Dot(str(e["name"]), first, max(first, last), kind, when))
    return dots


def _kind_counts(dots: list[_Dot]) -> dict[str, int]:
    return {k: sum(d.kind == k for d in dots) for k in KINDS}


def _short(text: str, limit: int = NAME_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _alt(lead: str, items: list[str]) -> str:
    """`lead`, then as many of `items` as fit in ALT_CHARS, and how many did not."""
    out = lead
    for i, item in enumerate(items):
        piece, left = ("; " if i else " ") + item, len(items) - i
        if len(out) + len(piece) + len(f"; and {left} more.") > ALT_CHARS:
            return out + f"; and {left} more."
        out += piece
    return out + "."


def timeline_png(events: Sequence[dict[str, Any]], title: str, window: tuple[dt.date, dt.date] | None = None,
                 rule: CalendarRule = RUSSIA, filename: str = "timeline.png") -> Image:
    """A picture of events on a dated line (New Style dates), one row each in time order, coloured by how each
    is dated: a dot for one day, a bar for a span, a pale bar over the month or year a vague date names.
    `window`: the first and last day of the line (default: the events' own)."""
    dots = _dots(events, rule)
    if not dots:
        raise ValueError("a timeline picture needs at least one event")
    lo = window[0] if window else min(d.start for d in dots)
    hi = window[1] if window else max(d.end for d in dots)
    if hi <= lo:
        hi = lo + dt.timedelta(days=1)
    counts = _kind_counts(dots)
    alt = _alt(f"{title}: {len(dots)} events on a dated line from {lo:%-d %b %Y} to {hi:%-d %b %Y} (New Style), "
               "coloured by how each is dated: " + ", ".join(f"{n} {KINDS[k][0]}" for k, n in counts.items() if n)
               + ". In order:", [f"{d.name} ({d.when})" for d in dots])

    def draw(fig: Any) -> None:
        import matplotlib.dates as mdates
        from matplotlib.lines import Line2D

        ax = fig.add_subplot()
        for row, d in enumerate(dots):
            colour = KINDS[d.kind][1]
            start, end = max(d.start, lo), min(d.end, hi)
            if d.kind != "day":  # its length, however short it looks on a long line; the mark below always shows
                ax.barh(row, max((end - start).days + 1, 1), left=mdates.date2num(start), height=0.55, color=colour,
                        alpha=1.0 if d.kind == "span" else 0.45, zorder=2)
            ax.plot([mdates.date2num(start)], [row], MARKS[d.kind], color=colour, markersize=6, zorder=3,
                    markerfacecolor="white" if d.kind == "vague" else colour)
        ax.set_yticks(range(len(dots)), [_short(d.name) for d in dots], fontsize=8)
        ax.set_ylim(len(dots) - 0.4, -0.6)  # the first event on top
        ax.set_xlim(mdates.date2num(lo), mdates.date2num(hi + dt.timedelta(days=1)))
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="x", color="#dddddd", zorder=0)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title(title, fontsize=12, loc="left")
        ax.set_xlabel("New Style (Gregorian) dates", fontsize=8)
        handles = [Line2D([], [], marker=MARKS[k], color=KINDS[k][1], linestyle="none", markersize=6,
                          markerfacecolor="white" if k == "vague" else KINDS[k][1], label=KINDS[k][0])
                   for k, n in counts.items() if n]
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8, frameon=False)

    return Image(_render(draw, (9.0, 1.4 + 0.27 * len(dots))), filename, alt)


# --- a quiz's final standings --------------------------------------------------------------------------------


def standings_png(scores: Sequence[tuple[str, int]], title: str, filename: str = "standings.png") -> Image:
    """A bar chart of (member, points), the best on top (as given: highest first)."""
    if not scores:
        raise ValueError("a standings chart needs at least one score")
    shown = list(scores[:MAX_STANDINGS])
    more = len(scores) - len(shown)
    alt = _alt(f"{title}: a bar chart of {len(scores)} " + ("member's" if len(scores) == 1 else "members'") + " points, "
               "highest first:", [f"{i}. {name}, {points} point{'s' if points != 1 else ''}"
                                  for i, (name, points) in enumerate(scores, 1)])

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        names = [f"{i}. {_short(name, 30)}" for i, (name, _) in enumerate(shown, 1)]
        points = [p for _, p in shown]
        colours = ["#8B1E3F" if i == 0 or points[i] == points[0] else "#C97B8E" for i in range(len(points))]
        bars = ax.barh(range(len(shown)), points, color=colours, height=0.6)
        ax.bar_label(bars, [str(p) for p in points], padding=3, fontsize=9)
        ax.set_yticks(range(len(shown)), names, fontsize=9)
        ax.set_ylim(len(shown) - 0.4, -0.6)
        ax.set_xlim(0, max(max(points), 1) * 1.15)
        ax.set_xlabel("points" + (f" (and {more} more member{'s' if more != 1 else ''} below these)" if more else ""),
                      fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title(title, fontsize=12, loc="left")

    return Image(_render(draw, (7.0, 1.3 + 0.38 * len(shown))), filename, alt)


# --- drawing -------------------------------------------------------------------------------------------------


def _render(draw: Any, size: tuple[float, float]) -> bytes:
    """A PNG of a figure `draw(figure)` fills, at the highest resolution in DPI that stays under MAX_PNG_BYTES.
    A Figure with an Agg canvas: no pyplot, so no global figure list and no GUI backend in a server."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _drawing:
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        for dpi in DPI:
            out = io.BytesIO()
            fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
            data = out.getvalue()
            if len(data) < MAX_PNG_BYTES:
                return data
    raise ValueError(f"the picture takes {len(data):,} bytes even at {DPI[-1]} dpi")
