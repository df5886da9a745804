"""The workshop dashboard's page: Panel widgets and Bokeh plots, one set per browser tab.

:func:`create_app` builds the page of one session (one browser tab) with its own two
models, so nothing is shared between tabs. The page reads the models only through
:mod:`pushpull_sim.dashboard.session`.

Layout: a settings column on the left (scenario, the two strategies with their six lever
switches, budget, households, asset value, seed, Reset); a bar with Step, Play/Pause,
speed and "Settle it"; then the two sides, A on the left and B on the right, on the same
scales: extreme poverty and graduation; one village's network; the path of the household
clicked there, under both strategies; market links and pull actors; the budget spent.

Drawing: the browser repaints every chart whose data change, and repainting is what
limits the frame rate (the two models step a month in a few milliseconds). So Play is
paced by the browser: after drawing a month it reports back (a small ``CustomJS``), and
the next month is sent only then and no sooner than the speed asks; a slow browser gets
fewer frames, never a backlog, and Pause stops at once. During Play the main chart, the
village and the month change every frame; the other charts every
:data:`REFRESH_S` seconds (and at once on Step, Pause and at the horizon).
"""

from __future__ import annotations

import html
import time
from typing import Any

import numpy as np
import panel as pn
from bokeh.models import (
    BoxAnnotation,
    ColumnDataSource,
    CustomJS,
    FactorRange,
    HoverTool,
    Label,
    Legend,
    LegendItem,
    Node,
    NumeralTickFormatter,
    Range1d,
    Span,
    TapTool,
)
from bokeh.plotting import figure

from pushpull_sim.dashboard import session as S

SIDES = ("a", "b")
#: Colours of side A and side B.
SIDE_COLOURS = {"a": "#2b6cb0", "b": "#c05621"}
#: Colours of the main chart's outcomes.
POVERTY_COLOUR, GRADUATED_COLOUR = "#c53030", "#2f855a"
#: Colours of the market-link series and pull actor types.
ACTOR_COLOURS = {"buyer": "#2f855a", "lender": "#6b46c1", "agent": "#0987a0"}
#: Node colours of the network view, by :data:`~pushpull_sim.dashboard.session.STATUS_NAMES`.
STATUS_COLOURS = ("#c53030", "#f6ad55", "#63b3ed")
PROGRAMME_FILL = "#efe3c2"
#: Seconds between refreshes of the secondary charts during Play.
REFRESH_S = 0.5
#: Months Play may send ahead of what the browser reports drawn: 2 lets the server prepare
#: a month while the browser draws the previous one.
IN_FLIGHT = 2
#: Seconds Play waits for the browser's report before sending the next month anyway (a
#: report lost), and after which it pauses (a tab out of sight, where browsers stop drawing).
ACK_TIMEOUT_S = 1.0
PAUSE_AFTER_S = 10.0

_CSS = """
:host { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.pp-side-head { padding: 6px 10px; color: white; border-radius: 4px; font-size: 17px; }
.pp-facts { font-size: 13px; color: #2d3748; }
.pp-note { font-size: 14px; color: #4a5568; }
.pp-warn { font-size: 13px; color: #9c4221; font-weight: 600; }
.pp-error { font-size: 13px; color: #c53030; font-weight: 600; }
.pp-legend { font-size: 13px; color: #2d3748; }
.pp-dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
          margin: 0 4px 0 10px; vertical-align: -1px; }
.pp-line { display: inline-block; width: 26px; height: 0; margin: 0 5px 0 12px;
           vertical-align: 4px; }
.pp-story { font-size: 13px; color: #1a202c; }
.pp-settle { font-size: 15px; color: #1a202c; background: #fffaf0; padding: 6px 10px;
             border-left: 4px solid #dd6b20; }
"""

# browser -> server: "month m is on screen" (after the frame that shows it is painted)
# and the month shown, set as text in place: a page element rewritten every frame would
# make the browser restyle the page before each chart's repaint (several times slower)
_ACK_JS = """
const m = cb_obj.data.month[cb_obj.data.month.length - 1];
const pp = window.__pp_months || (window.__pp_months = {els: []});
if (pp.els.length === 0 || pp.els.some(e => !e.isConnected)) {
  pp.els = [];
  const stack = [document];
  while (stack.length) {
    const r = stack.pop();
    for (const e of r.querySelectorAll('.pp-month-now, .pp-month')) pp.els.push(e);
    for (const e of r.querySelectorAll('*')) if (e.shadowRoot) stack.push(e.shadowRoot);
  }
}
for (const e of pp.els) e.textContent = String(m);
requestAnimationFrame(() => setTimeout(() => { ack.data = {month: [m]}; }, 0));
"""


class _HTML(pn.pane.HTML):
    """An HTML pane whose updates send the new text only.

    Panel's own update sends the pane's style sheets again with the text, and the
    browser then lays out the whole page anew, measuring and repainting every chart:
    several times too slow to do at every frame of Play.
    """

    def _update(self, ref: str, model: Any) -> None:
        model.update(text=self._get_properties(model.document)["text"])


def _html(text: str = "", **kw: Any) -> pn.pane.HTML:
    return _HTML(text, stylesheets=[_CSS], **kw)


def _figure(title: str | None, x_range: Any, y_range: Any, **kw: Any):
    """A time chart: months on x, no toolbar, no axis labels (the captions say it)."""
    p = figure(
        title=title,
        x_range=x_range,
        y_range=y_range,
        toolbar_location=None,
        tools="",
        height=kw.pop("height", 240),
        sizing_mode="stretch_width",
        min_width=280,
        **kw,
    )
    if p.title is not None:
        p.title.text_font_size = "14px"
    p.grid.grid_line_alpha = 0.4
    p.outline_line_color = None
    return p


def _window(p, label: bool = True) -> tuple[BoxAnnotation, Label]:
    """Shade the programme window (set by :func:`_set_window`) and label it at the top
    (unless ``label`` is False: the page's caption says it)."""
    box = BoxAnnotation(
        left=0, right=0, fill_color=PROGRAMME_FILL, fill_alpha=0.6, level="underlay"
    )
    text = Label(
        x=0.5,
        y=Node(target="frame", symbol="top"),
        y_offset=-3,
        text="programme",
        text_baseline="top",
        text_font_size="11px",
        text_color="#7b6a3a",
    )
    p.add_layout(box)
    if label:
        p.add_layout(text)
    return box, text


def _set_window(windows: list[tuple[BoxAnnotation, Label]], start: int, end: int) -> None:
    for box, label in windows:
        box.left, box.right = start, end
        label.x = start + 0.5


def _legend_below(p, items: list[tuple[str, list]]) -> None:
    legend = Legend(
        items=[LegendItem(label=name, renderers=r) for name, r in items],
        orientation="horizontal",
        location="center",
        label_text_font_size="12px",
        glyph_width=22,
        spacing=12,
        padding=2,
        margin=2,
        border_line_color=None,
    )
    p.add_layout(legend, "below")


def _line_key(colour: str, dashed: bool, text: str) -> str:
    style = "dashed" if dashed else "solid"
    return (
        f'<span class="pp-line" style="border-top: 3px {style} {colour}"></span>{html.escape(text)}'
    )


def _nice(x: float) -> float:
    """A round axis end at or above ``x`` (1, 2, 2.5 or 5 times a power of ten)."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    power = 10 ** np.floor(np.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= x:
            return float(m * power)
    return float(10 * power)


def _nice_share(x: float) -> float:
    """An axis end for a share: the next 5 % above ``1.1 x``, at least 10 %, at most 100 %."""
    return float(min(1.0, max(0.1, np.ceil(1.1 * x / 0.05) * 0.05)))


def _grow(rng: Range1d, end: float) -> None:
    if rng.end < end:
        rng.end = end


_MAIN = (
    "extreme_poor_treatment",
    "extreme_poor_control",
    "graduated_treatment",
    "graduated_control",
)
_MORE = ("selling_to_buyer", "with_lender", "with_agent", *S.ACTOR_KINDS)
_PATH_COLUMNS = tuple(f"{c}_{s}" for c in ("assets", "savings", "consumption_ppd") for s in SIDES)
_NODE_COLUMNS = (
    "link_names",
    "x",
    "y",
    "id",
    "size",
    "color",
    "ring",
    "marker",
    "arm",
    "status",
    "graduated",
    "assets",
    "consumption",
    "links",
)


class SideView:
    """The charts of one side (A or B).

    Args:
        key: ``"a"`` or ``"b"``.
        x_range: The time axis shared by every time chart of both sides.
        ranges: Value axes shared with the other side, by chart.
    """

    def __init__(self, key: str, x_range: Range1d, ranges: dict[str, Any]) -> None:
        self.key = key
        self.main_src = ColumnDataSource({c: [] for c in ("month", *_MAIN)})
        self.more_src = ColumnDataSource({c: [] for c in ("month", *_MORE)})
        self.more_until = -1  # last month sent to more_src
        self.windows: list[tuple[BoxAnnotation, Label]] = []

        # redrawn every frame of Play: its title and legend are on the page, not in the chart
        p = _figure(None, x_range, ranges["main"], height=250)
        p.xgrid.visible = False
        for col, colour, dash in (
            ("extreme_poor_treatment", POVERTY_COLOUR, "solid"),
            ("extreme_poor_control", POVERTY_COLOUR, "dashed"),
            ("graduated_treatment", GRADUATED_COLOUR, "solid"),
            ("graduated_control", GRADUATED_COLOUR, "dashed"),
        ):
            p.line(
                "month",
                col,
                source=self.main_src,
                color=colour,
                line_width=3 if dash == "solid" else 2,
                line_dash=dash,
            )
        p.yaxis.formatter = NumeralTickFormatter(format="0%")
        self.windows.append(_window(p, label=False))
        self.main = p

        p = _figure(
            "Offered the programme: market links (% of households)", x_range, ranges["market"]
        )
        items = []
        for col, name, kind in (
            ("selling_to_buyer", "selling to a buyer", "buyer"),
            ("with_lender", "with a loan from a lender", "lender"),
            ("with_agent", "served by an agent", "agent"),
        ):
            r = p.line(
                "month", col, source=self.more_src, color=ACTOR_COLOURS[kind], line_width=2.5
            )
            items.append((name, [r]))
        p.yaxis.formatter = NumeralTickFormatter(format="0%")
        _legend_below(p, items)
        self.windows.append(_window(p))
        self.market = p

        p = _figure("Pull actors still in the market", x_range, ranges["actors"])
        items = []
        for kind in S.ACTOR_KINDS:
            r = p.step(
                "month",
                kind,
                source=self.more_src,
                color=ACTOR_COLOURS[kind],
                line_width=2.5,
                line_dash={"buyer": "solid", "lender": "dashed", "agent": "dotdash"}[kind],
                mode="after",
            )
            items.append((kind + "s", [r]))
        p.yaxis.formatter = NumeralTickFormatter(format="0")
        _legend_below(p, items)
        self.windows.append(_window(p))
        self.actors = p

        self.budget_src = ColumnDataSource({"line": [], "usd": [], "label": []})
        p = figure(
            title="Budget spent by line (USD PPP thousands)",
            y_range=FactorRange(),
            x_range=ranges["budget"],
            toolbar_location=None,
            tools="",
            height=250,
            sizing_mode="stretch_width",
            min_width=280,
        )
        p.hbar(
            y="line",
            right="usd",
            height=0.7,
            source=self.budget_src,
            color=SIDE_COLOURS[key],
            alpha=0.85,
        )
        p.text(
            x="usd",
            y="line",
            text="label",
            source=self.budget_src,
            x_offset=4,
            text_baseline="middle",
            text_font_size="11px",
            text_color="#2d3748",
        )
        self.budget_span = Span(
            location=0,
            dimension="height",
            line_color="#1a202c",
            line_dash="dotted",
            line_width=2,
            visible=False,
        )
        p.add_layout(self.budget_span)
        self.budget_total = Label(
            x=1,
            y=6,
            y_units="screen",
            text="",
            text_font_size="13px",
            text_align="right",
            x_offset=-8,
            text_color="#1a202c",
            background_fill_color="white",
            background_fill_alpha=0.8,
        )
        p.add_layout(self.budget_total)
        p.xaxis.axis_label = "dotted line: the budget"
        p.axis.axis_label_text_font_style = "normal"
        p.xaxis.formatter = NumeralTickFormatter(format="0,0")
        p.title.text_font_size = "14px"
        p.outline_line_color = None
        p.ygrid.grid_line_color = None
        self.budget = p

        self.nodes = ColumnDataSource({c: [] for c in _NODE_COLUMNS})
        self.edges = ColumnDataSource({"xs": [], "ys": []})
        p = figure(
            title=None,
            height=430,
            sizing_mode="stretch_width",
            min_width=280,
            toolbar_location=None,
            tools="",
            x_range=Range1d(0, 1),
            y_range=Range1d(0, 1),
        )
        p.multi_line(
            "xs", "ys", source=self.edges, line_color="#a0aec0", line_alpha=0.5, line_width=1
        )
        nodes = p.scatter(
            "x",
            "y",
            source=self.nodes,
            size="size",
            fill_color="color",
            line_color="#1a202c",
            line_width="ring",
            marker="marker",
            selection_line_color="#000000",
            selection_fill_alpha=1.0,
            nonselection_fill_alpha=0.6,
            nonselection_line_alpha=0.6,
        )
        p.add_tools(TapTool(renderers=[nodes]))
        p.add_tools(
            HoverTool(
                renderers=[nodes],
                tooltips=[
                    ("household", "@id (@arm)"),
                    ("status", "@status; graduated: @graduated"),
                    ("productive assets", "USD @assets{0,0}"),
                    ("consumption", "USD @consumption{0.00} a person a day"),
                    ("market links", "@link_names"),
                ],
            )
        )
        p.axis.visible = False
        p.grid.visible = False
        p.outline_line_color = None
        self.network = p

        self.head = _html(css_classes=[f"pp-head-{key}"], sizing_mode="stretch_width", height=40)
        self.facts = _html(css_classes=[f"pp-facts-{key}"], sizing_mode="stretch_width")

    # ------------------------------------------------------------------ updates
    def show_header(self, side: S.Side) -> None:
        """The side's strategy and month, and what its model was built with."""
        self.head.object = (
            f'<div class="pp-side-head" style="background:{SIDE_COLOURS[self.key]}">'
            f"<b>{self.key.upper()}</b> &middot; {html.escape(side.label)} &middot; "
            f'month <span class="pp-month">{side.month}</span> of {side.horizon}</div>'
        )
        budget = side.budget_usd_ppp
        money = "no budget limit" if budget is None else f"budget USD PPP {budget:,.0f}"
        self.facts.object = (
            f'<div class="pp-facts">{side.n:,} households in {side.villages} villages; '
            f"{side.households_offered:,} offered the programme, "
            f'<span class="pp-served">{side.households_served:,}</span> served; '
            f'<span class="pp-budget">{money}</span>; seed {side.seed}</div>'
        )

    @staticmethod
    def _rows(side: S.Side, names: tuple[str, ...], lo: int) -> dict[str, list]:
        rows: dict[str, Any] = {"month": list(range(lo, side.month + 1))}
        for k in names:
            rows[k] = side.series[k][lo : side.month + 1].tolist()
        return rows

    def show_main(self, side: S.Side, first: bool = False) -> None:
        """The main chart: every month so far (``first``) or the month just simulated."""
        if first:
            self.main_src.data = self._rows(side, _MAIN, 0)
        else:
            self.main_src.stream(self._rows(side, _MAIN, side.month))

    def show_more(self, side: S.Side, first: bool = False) -> None:
        """The market-link and pull actor charts, up to the current month."""
        if first:
            self.more_src.data = self._rows(side, _MORE, 0)
        elif side.month > self.more_until:
            self.more_src.stream(self._rows(side, _MORE, self.more_until + 1))
        self.more_until = side.month

    def show_budget(self, side: S.Side, lines: list[str]) -> None:
        """Spending so far on ``lines`` (the same lines on both sides)."""
        spent = side.spending()
        values = [spent.get(k, 0.0) / 1000 for k in lines]
        names = [k.replace("_", " ") for k in lines]
        self.budget_src.data = {
            "line": names,
            "usd": values,
            "label": [f"{v:,.0f}" for v in values],
        }
        if list(self.budget.y_range.factors) != names:
            self.budget.y_range.factors = names
        total, budget = sum(spent.values()), side.budget_usd_ppp
        if budget is None:
            self.budget_total.text = f"spent USD PPP {total:,.0f} (no budget limit)"
        else:
            self.budget_total.text = (
                f"spent USD PPP {total:,.0f} of {budget:,.0f} ({total / budget:.0%})"
            )
            self.budget_span.location = budget / 1000
        self.budget_span.visible = budget is not None

    def show_village(self, side: S.Side, graph: dict[str, Any], selected: int | None) -> None:
        """Draw a village's ties and households (once per village)."""
        x, y, e = graph["x"], graph["y"], graph["edges"]
        self.edges.data = {
            "xs": [[float(x[i]), float(x[j])] for i, j in e],
            "ys": [[float(y[i]), float(y[j])] for i, j in e],
        }
        self.show_nodes(side, graph, first=True)
        self.select(graph, selected)

    def show_nodes(self, side: S.Side, graph: dict[str, Any], first: bool = False) -> None:
        """Colour, size and ring the village's households as they are now (``first``:
        also place them; otherwise only the columns that change are sent)."""
        ids = graph["ids"]
        st = side.node_state(ids)
        assets = st["assets"]
        state = {
            "size": 7 + 3.0 * np.sqrt(np.clip(assets, 0, 6000) / 100),
            "color": [STATUS_COLOURS[s] for s in st["status"]],
            "ring": 0.5 + 1.8 * st["links"],
            "status": [S.STATUS_NAMES[s] for s in st["status"]],
            "graduated": np.where(st["graduated"], "yes", "no"),
            "assets": assets,
            "consumption": st["consumption_ppd"],
            "links": st["links"],
            "link_names": st["link_names"],
        }
        if not first:
            self.nodes.data.update(state)
            return
        self.nodes.data = {
            "x": graph["x"],
            "y": graph["y"],
            "id": ids,
            "marker": np.where(side.treatment[ids], "circle", "square"),
            "arm": side.arm_of(ids),
            **state,
        }
        for rng, v in ((self.network.x_range, graph["x"]), (self.network.y_range, graph["y"])):
            lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
            pad = 0.12 * (hi - lo) + 1e-9
            rng.start, rng.end = lo - pad, hi + pad

    def select(self, graph: dict[str, Any], household: int | None) -> None:
        """Highlight a household (None: none)."""
        idx = [] if household is None else np.flatnonzero(graph["ids"] == household).tolist()
        if self.nodes.selected.indices != idx:
            self.nodes.selected.indices = idx


class Dashboard:
    """One browser tab's page and models.

    Args:
        preset_list: The scenario picker's presets (see
            :func:`~pushpull_sim.dashboard.session.presets`); the first opens.

    Attributes:
        pair: The two sides on screen (:class:`~pushpull_sim.dashboard.session.Pair`).
        settings: The settings the pair was built with.
        layout: The Panel page.
    """

    def __init__(self, preset_list: dict[str, S.Preset]) -> None:
        self.presets = preset_list
        first = next(iter(preset_list.values()))
        self.base = S.load_scenario(first.path)
        self.settings = S.settings_for(first)
        self.pair = S.Pair(self.base, self.settings)
        self.selected: int | None = None
        self.village = 0
        self.graph: dict[str, Any] = {}
        self._graphs: dict[tuple, dict[str, Any]] = {}
        self.playing = False
        self._sent_at = 0.0  # when the last month was sent
        self._drawn = 0  # the last month the browser reported drawn
        self._acked_at = 0.0
        self._next: Any = None  # the scheduled next month of Play
        self._watchdog: Any = None
        self._refreshed_at = 0.0
        self._settle: S.SettleJob | None = None
        self._settle_cb: Any = None
        self._quiet = False  # True while the page itself sets the controls
        self._build_controls()
        self._build_views()
        self._build_layout()
        self._show_all()

    # ------------------------------------------------------------------ controls
    def _build_controls(self) -> None:
        st = self.settings
        self.w_preset = pn.widgets.Select(
            label="Scenario",
            options={p.label: k for k, p in self.presets.items()},
            value=st.preset,
            sizing_mode="stretch_width",
            css_classes=["pp-preset"],
        )
        options = {S.STRATEGY_LABELS[k]: k for k in S.STRATEGY_CHOICES}
        self.w_strategy = {
            s: pn.widgets.Select(
                label=f"Strategy {s.upper()} ({'left' if s == 'a' else 'right'})",
                options=options,
                value=getattr(st, f"strategy_{s}"),
                sizing_mode="stretch_width",
                css_classes=[f"pp-strategy-{s}"],
            )
            for s in SIDES
        }
        self.w_switch = {
            s: {
                g: pn.widgets.Switch(
                    value=getattr(st, f"switches_{s}")[g],
                    width=36,
                    margin=(4, 4, 4, 10),
                    css_classes=[f"pp-switch-{s}-{g}"],
                )
                for g in S.LEVER_LABELS
            }
            for s in SIDES
        }
        self.w_budget = pn.widgets.FloatInput(
            label="Budget (USD PPP; empty = no limit)",
            value=st.budget_usd_ppp,
            start=0.0,
            step=10_000.0,
            sizing_mode="stretch_width",
            css_classes=["pp-budget-input"],
        )
        self.w_households = pn.widgets.IntInput(
            label=f"Households (up to {S.MAX_HOUSEHOLDS:,})",
            value=st.households,
            start=10,
            end=S.MAX_HOUSEHOLDS,
            step=100,
            sizing_mode="stretch_width",
            css_classes=["pp-households-input"],
        )
        self.w_asset = pn.widgets.FloatInput(
            label="Asset transfer value (USD PPP)",
            value=st.asset_value_usd_ppp,
            start=0.0,
            step=100.0,
            sizing_mode="stretch_width",
            disabled=st.asset_value_usd_ppp is None,
            css_classes=["pp-asset-input"],
        )
        self.w_seed = pn.widgets.IntInput(
            label="Seed",
            value=st.seed,
            start=0,
            sizing_mode="stretch_width",
            css_classes=["pp-seed-input"],
        )
        self.w_reset = pn.widgets.Button(
            label="Reset",
            color="primary",
            sizing_mode="stretch_width",
            css_classes=["pp-reset"],
        )
        self.pending = _html(sizing_mode="stretch_width", css_classes=["pp-pending"])
        self.error = _html(sizing_mode="stretch_width", css_classes=["pp-error-box"])

        self.w_step = pn.widgets.Button(
            label="Step one month", color="primary", width=140, css_classes=["pp-step"]
        )
        self.w_play = pn.widgets.Toggle(
            label="Play", color="success", width=90, css_classes=["pp-play"]
        )
        self.w_speed = pn.widgets.IntSlider(
            label="Speed (months per second)",
            start=1,
            end=60,
            value=6,
            width=230,
            css_classes=["pp-speed"],
        )
        self.month_label = _html(css_classes=["pp-month-label"], width=250, height=52)
        self.w_settle = pn.widgets.Button(
            label=f"Settle it: {S.SETTLE_REPLICATIONS} runs of each side",
            color="warning",
            width=260,
            css_classes=["pp-settle-button"],
        )
        self.settle_progress = pn.indicators.Progress(
            value=0,
            max=1,
            visible=False,
            width=260,
            bar_color="warning",
            css_classes=["pp-settle-progress"],
        )
        self.settle_text = _html(sizing_mode="stretch_width", css_classes=["pp-settle-text"])

        self.w_preset.param.watch(self._on_preset, "value")
        for s in SIDES:
            self.w_strategy[s].param.watch(lambda e, s=s: self._on_strategy(s, e.new), "value")
            for w in self.w_switch[s].values():
                w.param.watch(self._on_control, "value")
        for w in (self.w_budget, self.w_households, self.w_asset, self.w_seed):
            w.param.watch(self._on_control, "value")
        self.w_reset.on_click(lambda e: self.reset())
        self.w_step.on_click(lambda e: self.step())
        self.w_play.param.watch(self._on_play, "value")
        self.w_settle.on_click(lambda e: self.settle())

    def _build_views(self) -> None:
        self.x_range = Range1d(0, self.pair.horizon)
        # both sides on the same scales; fixed ranges, widened by the server only when the
        # data outgrow them (a range the browser recomputes every month re-lays out the page)
        self.ranges = {
            "main": Range1d(0, 1),
            "market": Range1d(0, 0.1),
            "actors": Range1d(0, 1),
            "budget": Range1d(0, 1),
        }
        self.views = {s: SideView(s, self.x_range, self.ranges) for s in SIDES}
        for v in self.views.values():
            v.nodes.selected.on_change("indices", self._on_tap)
        # Play's pacing: the browser reports each month it has drawn
        self.ack = ColumnDataSource({"month": [0]})
        self.ack.on_change("data", self._on_ack)
        self.views["a"].main_src.js_on_change(
            "streaming", CustomJS(args={"ack": self.ack}, code=_ACK_JS)
        )

        self.path_src = ColumnDataSource({c: [] for c in ("month", *_PATH_COLUMNS)})
        self.line_src = ColumnDataSource({"month": [], "line": []})
        self.path_figs = []
        self.path_windows: list[tuple[BoxAnnotation, Label]] = []
        for col, title in (
            ("assets", "Productive assets (USD PPP)"),
            ("savings", "Savings, cash and savings group (USD PPP)"),
            ("consumption_ppd", "Consumption (USD PPP a person a day)"),
        ):
            p = _figure(title, self.x_range, Range1d(0, 1), height=250)
            a = p.line(
                "month",
                f"{col}_a",
                source=self.path_src,
                color=SIDE_COLOURS["a"],
                line_width=4,
                line_alpha=0.8,
            )
            b = p.line(
                "month",
                f"{col}_b",
                source=self.path_src,
                color=SIDE_COLOURS["b"],
                line_width=2.5,
                line_dash="dashed",
            )
            items = [("A", [a]), ("B", [b])]
            p.yaxis.formatter = NumeralTickFormatter(
                format="0.00" if col == "consumption_ppd" else "0,0"
            )
            if col == "consumption_ppd":
                r = p.line(
                    "month",
                    "line",
                    source=self.line_src,
                    color=POVERTY_COLOUR,
                    line_dash="dotted",
                    line_width=2,
                )
                items.append(("extreme-poverty line", [r]))
            _legend_below(p, items)
            self.path_windows.append(_window(p))
            self.path_figs.append(p)
        self.path_title = _html(sizing_mode="stretch_width", css_classes=["pp-path-title"])
        # the path charts join the page with the first household clicked (a chart laid
        # out but hidden is measured again at every repaint)
        self.path_row = pn.Row(sizing_mode="stretch_width")
        self.story = {
            s: _html(sizing_mode="stretch_width", css_classes=[f"pp-story-{s}"]) for s in SIDES
        }
        self.w_village = pn.widgets.Select(label="Village", options=[], width=160)
        self.w_village.param.watch(self._on_village, "value")

    def _switch_rows(self, side: str) -> pn.Column:
        rows = [
            pn.Row(
                self.w_switch[side][g],
                _html(
                    f'<span title="{html.escape(what)}">{html.escape(label)}</span>',
                    margin=(6, 0, 0, 0),
                ),
                margin=0,
            )
            for g, (label, what) in S.LEVER_LABELS.items()
        ]
        return pn.Column(self.w_strategy[side], *rows, margin=(0, 0, 8, 0))

    def _build_layout(self) -> None:
        dots = "".join(
            f'<span class="pp-dot" style="background:{c}"></span>{name}'
            for name, c in zip(S.STATUS_NAMES, STATUS_COLOURS, strict=True)
        )
        node_legend = _html(
            '<div class="pp-legend"><b style="font-size:15px">One village: click a household '
            f"to follow it.</b> Colour: {dots}. Size: productive assets. Dark ring: "
            "market links (thicker = more of buyer, lender, agent).<br>Circles: households "
            "offered the programme; squares: the others. Grey lines: social ties. The same "
            "village and households on both sides.</div>",
            sizing_mode="stretch_width",
        )
        keys = [
            _line_key(POVERTY_COLOUR, False, "extreme poor, offered the programme"),
            _line_key(POVERTY_COLOUR, True, "extreme poor, control group"),
            _line_key(GRADUATED_COLOUR, False, "graduated, offered the programme"),
            _line_key(GRADUATED_COLOUR, True, "graduated, control group"),
        ]
        main_legend = _html(
            '<div class="pp-legend"><b style="font-size:15px">Extreme poor and graduated (% '
            f"of households)</b><br>{''.join(keys)}<br>Horizontal axes: months since the "
            "baseline survey; shaded: the programme's months. Extreme poor: consumption "
            "below the extreme-poverty line; graduated: meeting every graduation "
            "criterion.</div>",
            sizing_mode="stretch_width",
        )
        controls = pn.Column(
            _html("<b>Settings</b> (applied when you press Reset)"),
            self.w_preset,
            self._switch_rows("a"),
            self._switch_rows("b"),
            _html(
                '<div class="pp-note" style="font-size:12px">Switch on = that lever as in '
                "layered; off = as in siloed. Hover a name for what it does.</div>"
            ),
            self.w_budget,
            self.w_households,
            self.w_asset,
            self.w_seed,
            self.w_reset,
            self.pending,
            self.error,
            width=300,
            margin=(0, 16, 0, 4),
        )
        bar = pn.Row(
            self.w_step,
            self.w_play,
            self.w_speed,
            self.month_label,
            pn.Column(self.w_settle, self.settle_progress, margin=0),
            sizing_mode="stretch_width",
        )
        v = self.views

        def pair_row(*parts: str) -> pn.Row:
            return pn.Row(
                *(
                    pn.Row(
                        *(pn.pane.Bokeh(getattr(v[s], k)) for k in parts),
                        sizing_mode="stretch_width",
                    )
                    for s in SIDES
                ),
                sizing_mode="stretch_width",
            )

        self.note = _html(sizing_mode="stretch_width")
        main = pn.Column(
            _html("<h2 style='margin:0'>Push and pull, side by side</h2>"),
            self.note,
            bar,
            self.settle_text,
            pn.Row(
                *(pn.Column(v[s].head, v[s].facts, sizing_mode="stretch_width") for s in SIDES),
                sizing_mode="stretch_width",
            ),
            main_legend,
            pair_row("main"),
            pn.Row(self.w_village, node_legend, sizing_mode="stretch_width"),
            pair_row("network"),
            self.path_title,
            self.path_row,
            pn.Row(self.story["a"], self.story["b"], sizing_mode="stretch_width"),
            pair_row("market"),
            pair_row("actors"),
            pair_row("budget"),
            sizing_mode="stretch_width",
        )
        self.layout = pn.Row(controls, main, sizing_mode="stretch_width", stylesheets=[_CSS])

    # ------------------------------------------------------------------ showing
    def _show_all(self) -> None:
        """Show a freshly built pair (month 0) on every view."""
        pair = self.pair
        self.x_range.end = pair.horizon
        self.note.object = (
            f'<div class="pp-note">{html.escape(self.presets[self.settings.preset].note)} '
            "Both sides: the same households, the same shocks, the same budget.</div>"
        )
        villages = pair.a.villages
        self.village = self.village if self.village < villages else 0
        self._quiet = True
        try:
            self.w_village.options = {f"village {v + 1}": v for v in range(villages)}
            self.w_village.value = self.village
        finally:
            self._quiet = False
        self.graph = self._village_graph()
        if self.selected is not None and self.selected >= pair.a.n:
            self.selected = None
        start, end = pair.a.programme_window
        _set_window(self.path_windows, start, end)
        line = pair.a.extreme_line
        self.line_src.data = (
            {"month": [0, pair.horizon], "line": [line, line]}
            if line is not None
            else {"month": [], "line": []}
        )
        for key in ("market", "actors"):
            self.ranges[key].end = 0.0
        for s, side in zip(SIDES, pair.sides, strict=True):
            view = self.views[s]
            _set_window(view.windows, start, end)
            view.show_main(side, first=True)
            view.show_more(side, first=True)
            view.show_village(side, self.graph, self.selected)
        self._refresh(force=True)

    def _village_graph(self) -> dict[str, Any]:
        """The shown village's drawing, kept across Resets that leave the network as it
        was (its layout takes seconds for a village of 500 households)."""
        st = self.settings
        key = (st.preset, st.households, st.seed, self.village)
        if key not in self._graphs:
            if len(self._graphs) >= 8:
                self._graphs.pop(next(iter(self._graphs)))
            self._graphs[key] = S.village_graph(self.pair.a, self.village, st.seed)
        return self._graphs[key]

    def _refresh(self, force: bool = False) -> None:
        """Redraw the secondary views (at most every :data:`REFRESH_S` s unless
        ``force``): market links, pull actors, budget, scales, headers, household."""
        now = time.monotonic()
        if not force and now - self._refreshed_at < REFRESH_S:
            return
        self._refreshed_at = now
        lines: set[str] = set()
        for side in self.pair.sides:
            lines |= set(side.spending())
        for s, side in zip(SIDES, self.pair.sides, strict=True):
            view = self.views[s]
            view.show_more(side)
            view.show_budget(side, sorted(lines))
            view.show_header(side)
        self._show_scales()
        self._show_household()
        self._show_month()

    def _show_scales(self) -> None:
        """Widen the shared value axes when the data outgrow them (never every month)."""
        sides = self.pair.sides

        def top(*names: str) -> float:
            values = [np.nanmax(s.series[n]) for s in sides for n in names]
            return max([v for v in values if np.isfinite(v)] + [0.0])

        _grow(
            self.ranges["market"], _nice_share(top("selling_to_buyer", "with_lender", "with_agent"))
        )
        start = max(max(s.actors_at_start().values()) for s in sides)
        _grow(self.ranges["actors"], max(start, top(*S.ACTOR_KINDS)) + 1)
        spent = [v for s in sides for v in s.spending().values()]
        budget = 1.15 * max([s.budget_usd_ppp or 0.0 for s in sides] + spent + [1.0]) / 1000
        rng = self.ranges["budget"]
        if rng.end < budget or self.pair.month == 0:
            rng.end = budget
            for v in self.views.values():
                v.budget_total.x = budget

    def _show_month(self) -> None:
        pair = self.pair
        start, end = pair.a.programme_window
        if pair.at_horizon:
            where = "the end: press Reset to start again"
        elif pair.month <= start:
            where = "before the programme"
        elif pair.month <= end:
            where = f"programme running (months {start + 1}-{end})"
        else:
            where = f"{pair.month - end} months after the programme"
        self.month_label.object = (
            f'<div style="font-size:18px"><b>Month <span class="pp-month-now">{pair.month}'
            f"</span></b> of {pair.horizon}</div><div class='pp-note'>{where}</div>"
        )
        self.w_step.disabled = pair.at_horizon

    def _show_household(self) -> None:
        i = self.selected
        if i is None:
            if self.path_row.objects:
                self.path_row.objects = []
                self.path_src.data = {c: [] for c in ("month", *_PATH_COLUMNS)}
            for s in SIDES:
                self.story[s].object = ""
            self.path_title.object = (
                '<div class="pp-note">Click a household in the village above to follow it '
                "under both strategies.</div>"
            )
            return
        data: dict[str, Any] = {}
        for s, side in zip(SIDES, self.pair.sides, strict=True):
            path = side.household_path(i)
            data["month"] = path["month"]
            for col in ("assets", "savings", "consumption_ppd"):
                data[f"{col}_{s}"] = path[col]
        self.path_src.data = data
        if not self.path_row.objects:
            self.path_row.objects = [pn.pane.Bokeh(p) for p in self.path_figs]
        for p, col in zip(self.path_figs, ("assets", "savings", "consumption_ppd"), strict=True):
            top = max(float(np.max(data[f"{col}_{s}"])) for s in SIDES)
            if col == "consumption_ppd" and self.pair.a.extreme_line is not None:
                top = max(top, self.pair.a.extreme_line)
            end = _nice(1.15 * top)
            if p.y_range.end != end:
                p.y_range.end = end
        a = self.pair.a
        self.path_title.object = (
            f'<div class="pp-note" style="font-size:15px"><b>Household '
            f'<span class="pp-household">{i}</span></b> (village {a.village_of(i) + 1}, '
            f"{a.arm_of(np.array([i]))[0]}): its path under A and under B, the same "
            "household with the same shocks.</div>"
        )
        for s, side in zip(SIDES, self.pair.sides, strict=True):
            items = "".join(f"<li>{html.escape(t)}</li>" for t in side.household_story(i))
            self.story[s].object = (
                f'<div class="pp-story"><b style="color:{SIDE_COLOURS[s]}">{s.upper()} '
                f"({html.escape(side.label)})</b><ul style='margin-top:4px'>{items}</ul></div>"
            )

    # ------------------------------------------------------------------ stepping
    def step(self, full: bool = True) -> bool:
        """Simulate one month on both sides and draw it (never past the horizon).

        Args:
            full: Redraw every view now (False, during Play: the secondary views at most
                every :data:`REFRESH_S` seconds).

        Returns:
            bool: Whether a month was simulated.
        """
        if not self.pair.step():
            return False
        with pn.io.hold():
            for s, side in zip(SIDES, self.pair.sides, strict=True):
                view = self.views[s]
                view.show_main(side)
                view.show_nodes(side, self.graph)
            self._refresh(force=full or self.pair.at_horizon)
        return True

    def _on_play(self, event) -> None:
        if event.new:
            self.w_play.label = "Pause"
            self.playing = True
            self._drawn = self.pair.month
            self._acked_at = time.monotonic()
            self._watchdog = pn.state.add_periodic_callback(self._check_ack, period=250)
            self._schedule()
            return
        self.w_play.label = "Play"
        self.playing = False
        for cb in (self._next, self._watchdog):
            if cb is not None:
                cb.stop()
        self._next = self._watchdog = None
        with pn.io.hold():
            self._refresh(force=True)

    def _advance(self) -> None:
        """Play: send the next month (or stop at the horizon)."""
        self._next = None
        if not self.playing:
            return
        self._sent_at = time.monotonic()
        if not self.step(full=False) or self.pair.at_horizon:
            self.w_play.value = False
            return
        self._schedule()

    def _schedule(self) -> None:
        """Send the next month when the browser has drawn all but :data:`IN_FLIGHT` - 1
        of the months sent, and no sooner than the speed asks."""
        if self._next is not None or not self.playing:
            return
        if self.pair.month - self._drawn >= IN_FLIGHT:
            return  # wait for the browser
        wait = 1.0 / self.w_speed.value - (time.monotonic() - self._sent_at)
        self._next = pn.state.add_periodic_callback(
            self._advance, period=max(int(wait * 1000), 1), count=1
        )

    def _on_ack(self, attr, old, new) -> None:
        months = new.get("month") or [None]
        if self.playing and isinstance(months[-1], int | float):
            self._drawn = max(self._drawn, int(months[-1]))
            self._acked_at = time.monotonic()
            self._schedule()

    def _check_ack(self) -> None:
        """No report from the browser: a lost one (go on), or a page out of sight (pause)."""
        if not self.playing:
            return
        silent = time.monotonic() - self._acked_at
        if silent > PAUSE_AFTER_S:
            self.w_play.value = False
        elif silent > ACK_TIMEOUT_S and time.monotonic() - self._sent_at > ACK_TIMEOUT_S:
            self._drawn = self.pair.month
            self._schedule()

    # ------------------------------------------------------------------ settings
    def read_settings(self) -> S.Settings:
        """The settings the controls show now."""
        return S.Settings(
            preset=self.w_preset.value,
            strategy_a=self.w_strategy["a"].value,
            strategy_b=self.w_strategy["b"].value,
            switches_a={g: w.value for g, w in self.w_switch["a"].items()},
            switches_b={g: w.value for g, w in self.w_switch["b"].items()},
            budget_usd_ppp=self.w_budget.value,
            households=int(self.w_households.value or 0),
            asset_value_usd_ppp=None if self.w_asset.disabled else self.w_asset.value,
            seed=int(self.w_seed.value or 0),
        )

    def reset(self) -> bool:
        """Rebuild both models from the controls; the controls keep their values.

        Returns:
            bool: Whether the models were rebuilt (False: the settings are invalid; the
            error is shown and the models on screen are kept).
        """
        self.w_play.value = False
        settings = self.read_settings()
        try:
            base = S.load_scenario(self.presets[settings.preset].path)
            pair = S.Pair(base, settings)
        except (S.ScenarioError, ValueError) as exc:
            self.error.object = f'<div class="pp-error">{html.escape(str(exc))}</div>'
            return False
        self.error.object = ""
        self._cancel_settle()
        self.settle_text.object = ""
        self.base, self.settings, self.pair = base, settings, pair
        with pn.io.hold():
            self._show_all()
            self._on_control(None)
        return True

    def _on_control(self, event) -> None:
        if self._quiet:
            return
        changed = self.read_settings() != self.settings
        self.pending.object = (
            '<div class="pp-warn">Changed: press Reset to apply.</div>' if changed else ""
        )

    def _on_strategy(self, side: str, strategy: str) -> None:
        """Show the picked strategy's own lever settings on the side's switches."""
        if self._quiet:
            return
        own = S.strategy_switches(self.base, strategy)
        self._quiet = True
        try:
            for g, w in self.w_switch[side].items():
                w.value = own[g]
        finally:
            self._quiet = False
        self._on_control(None)

    def _on_preset(self, event) -> None:
        """Load a preset's settings into the controls and rebuild at once."""
        try:
            st = S.settings_for(self.presets[event.new])
        except S.ScenarioError as exc:
            self.error.object = f'<div class="pp-error">{html.escape(str(exc))}</div>'
            return
        self._quiet = True
        try:
            for s in SIDES:
                self.w_strategy[s].value = getattr(st, f"strategy_{s}")
                for g, w in self.w_switch[s].items():
                    w.value = getattr(st, f"switches_{s}")[g]
            self.w_budget.value = st.budget_usd_ppp
            self.w_households.value = st.households
            self.w_asset.disabled = st.asset_value_usd_ppp is None
            self.w_asset.value = st.asset_value_usd_ppp
            self.w_seed.value = st.seed
        finally:
            self._quiet = False
        self.selected = None
        self.village = 0
        self.reset()

    def _on_village(self, event) -> None:
        if self._quiet or event.new is None or event.new == self.village:
            return
        self.village = int(event.new)
        self.graph = self._village_graph()
        with pn.io.hold():
            for s, side in zip(SIDES, self.pair.sides, strict=True):
                self.views[s].show_village(side, self.graph, self.selected)

    def _on_tap(self, attr, old, new) -> None:
        if not new or not self.graph:
            return
        household = int(self.graph["ids"][new[0]])
        if household != self.selected:
            self.select(household)

    def select(self, household: int | None) -> None:
        """Follow a household (None: none) on both sides."""
        self.selected = household
        with pn.io.hold():
            for v in self.views.values():
                v.select(self.graph, household)
            self._show_household()

    # ------------------------------------------------------------------ settle it
    def settle(self) -> None:
        """Start "Settle it": replications of both sides in background processes."""
        if self._settle is not None:
            return
        self._settle = S.SettleJob(self.pair)
        self.w_settle.disabled = True
        self.settle_progress.max = self._settle.progress()[1]
        self.settle_progress.value = 0
        self.settle_progress.visible = True
        self.settle_text.object = (
            f'<div class="pp-settle">Running A and B on {S.SETTLE_REPLICATIONS} different '
            "draws of households and shocks (each draw the same for A and B)...</div>"
        )
        self._settle_cb = pn.state.add_periodic_callback(self._poll_settle, period=300)

    def _poll_settle(self) -> None:
        job = self._settle
        if job is None:
            return
        done, _ = job.progress()
        self.settle_progress.value = done
        if not job.done:
            return
        result = job.result()
        if result is not None:
            self.settle_text.object = (
                f'<div class="pp-settle"><b>Settled:</b> {html.escape(result.words())}</div>'
            )
        else:
            self.settle_text.object = (
                f'<div class="pp-error">Settle it stopped: {html.escape(job.error or "")}</div>'
            )
        self._end_settle()

    def _end_settle(self) -> None:
        if self._settle_cb is not None:
            self._settle_cb.stop()
            self._settle_cb = None
        self._settle = None
        self.settle_progress.visible = False
        self.w_settle.disabled = False

    def _cancel_settle(self) -> None:
        if self._settle is not None:
            self._settle.cancel()
        self._end_settle()

    def close(self) -> None:
        """Stop Play and any background runs (the tab was closed)."""
        self.playing = False
        for cb in (self._next, self._watchdog):
            if cb is not None:
                cb.stop()
        self._cancel_settle()


def create_app(scenario: str | None = None) -> pn.viewable.Viewable:
    """The page of one session (one browser tab), with its own models.

    In a Jupyter notebook, run ``pn.extension()`` first and display the result.

    Args:
        scenario: A scenario file to offer first (default: the disconnect demo).

    Returns:
        panel.viewable.Viewable: The page; its ``dashboard`` attribute is the
        :class:`Dashboard`.

    Raises:
        ScenarioError: If the scenario cannot be loaded.
    """
    dash = Dashboard(S.presets(scenario))
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.on_session_destroyed(lambda ctx: dash.close())
    dash.layout.dashboard = dash
    return dash.layout
