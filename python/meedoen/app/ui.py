"""The Shiny app: the page, and the server behind each browser tab (a Shiny session).

Each tab has its own session: its own form, its own run (one at a time), its own folder of
results, removed when the tab closes; closing the tab stops its run. Nothing the browser sends
is used as a path on the server.
"""

import sys
import threading

import pandas as pd
from shiny import App, Inputs, Outputs, Session, reactive, render, ui
from shiny.types import SilentException

from meedoen.app import scenario as sc
from meedoen.app.job import Finished, Job, close_tab, session_folder
from meedoen.app.texts import TEXT
from meedoen.cli.compare import ACHIEVES, CHANGES, MONEY, cell
from meedoen.compare import ALL_WIJKEN
from meedoen.experiment import Experiment
from meedoen.outcomes import OUTCOMES
from meedoen.scale_note import scale_note

__all__ = ["DEFAULT_REPLICATES", "DEFAULT_SCALE", "make_app"]

DEFAULT_SCALE = 1.0
DEFAULT_REPLICATES = 20
POLL_SECONDS = 0.25
STOP_SECONDS = 30  # how long a closing tab waits for its run to stop
FIELD_ID = {sc.GENERAL: "general_problems", "name": "general_problems"}

# Messages beside their fields: the server sends {field id: [messages]}; written as text, never HTML.
PROBLEMS_JS = """
Shiny.addCustomMessageHandler("meedoen-problems", function (problems) {
  document.querySelectorAll(".meedoen-problem").forEach(function (e) { e.remove(); });
  for (const [id, messages] of Object.entries(problems)) {
    const input = document.getElementById(id);
    const box = input ? (input.closest(".shiny-input-container") || input.parentElement)
                      : document.getElementById("general_problems");
    for (const message of messages) {
      const line = document.createElement("div");
      line.className = "meedoen-problem text-danger small";
      line.textContent = message;
      box.appendChild(line);
    }
  }
});
"""


def make_app(experiment: Experiment, lang: str = "nl") -> App:
    """The app for the scenario file of ``experiment``, with its words in ``lang``."""
    text = TEXT[lang]
    file_scenarios = experiment.scenario_names[1:]
    page = ui.page_fluid(
        ui.head_content(ui.tags.link(rel="icon", href="data:,"), ui.tags.script(PROBLEMS_JS)),
        ui.h2(f"{text['title']} {experiment.name}"),
        ui.layout_sidebar(
            ui.sidebar(_settings_panel(experiment, text), width=360),
            ui.navset_underline(
                ui.nav_panel(
                    text["scenarios"],
                    ui.navset_card_tab(
                        *(_scenario_tab(k, file_scenarios, text) for k in range(1, sc.MAX_SCENARIOS + 1)),
                        id="scenario_tabs",
                    ),
                    value="scenarios",
                ),
                ui.nav_panel(text["results_tab"], ui.output_ui("results"), ui.output_ui("figures"),
                             value="results"),
                id="main_tabs",
            ),
        ),
        title=text["title"],
        lang=lang,
    )

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        _Server(experiment, text, lang, input, output, session)

    return App(page, server)


def _settings_panel(experiment: Experiment, text: dict) -> list:
    assumptions = {"": text["no_assumption"]} | {name: name for name in sc.assumption_parameters()}
    return [
        ui.h4(text["settings"]),
        ui.input_numeric("scale", text["scale"], DEFAULT_SCALE, min=0, max=1, step=0.05),
        ui.input_numeric("replicates", text["replicates"], DEFAULT_REPLICATES, min=1, step=1),
        ui.input_numeric("weeks", text["weeks"], experiment.weeks, min=1, step=1),
        ui.input_numeric("seed", text["seed"], experiment.seed, min=0, step=1),
        ui.input_select("assumption", text["assumption"], assumptions),
        ui.output_ui("assumption_info"),
        ui.input_text("assumption_value", text["assumption_value"]),
        ui.input_action_button("run", text["run"], class_="btn-primary"),
        ui.input_action_button("cancel", text["cancel"], class_="btn-outline-danger"),
        ui.output_ui("progress"),
        ui.div(id="general_problems"),
    ]


def _scenario_tab(k: int, file_scenarios: list[str], text: dict):
    starts = {"": text["baseline_start"]} | {name: name for name in file_scenarios}
    top = [ui.input_switch(f"s{k}_include", text["include"], value=k == 1)] if k > 1 else []
    return ui.nav_panel(
        text["scenario"].format(k=k),
        *top,
        ui.input_select(f"s{k}_start", text["start_from"], starts),
        ui.output_ui(f"s{k}_form"),
    )


def _range(name: str, text: dict) -> str:
    p = sc.parameter_info(name)
    return text["range"].format(
        unit=p["unit"], low=f"{p['min']:g}", high=f"{p['max']:g}", default=_plain(p["default"]),
        source=p["source"],
    )


def _plain(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(f"{v:g}" for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _intervention_card(k: int, kind: str, form: sc.InterventionForm | None, wijken: list[str], text: dict):
    fid = lambda what: sc.field_id(k, kind, what)  # noqa: E731
    fields = [
        ui.input_numeric(fid("start_week"), text["start_week"], form.start_week if form else 1, min=1,
                         step=1),
        ui.input_numeric(fid("end_week"), text["end_week"], form.end_week if form else None, min=1, step=1),
    ]
    for key in sc.levers(kind):
        name = f"{kind}.{key}"
        info = sc.parameter_info(name)
        value = form.levers[key] if form else info["default"]
        value = int(value) if float(value).is_integer() else value
        fields.append(
            ui.div(
                ui.input_numeric(fid(key), key, value, min=info["min"], max=info["max"]),
                ui.tags.small(_range(name, text), class_="text-muted"),
            )
        )
    return ui.card(
        ui.card_header(kind),
        ui.input_checkbox_group(fid("wijken"), text["wijken"], wijken, selected=form.wijken if form else [],
                                inline=True),
        ui.layout_columns(*fields, col_widths=4),
    )


class _Server:
    """One browser tab's session."""

    def __init__(self, experiment: Experiment, text: dict, lang: str, input: Inputs, output: Outputs,
                 session: Session) -> None:
        self.experiment, self.text, self.lang = experiment, text, lang
        self.input, self.session = input, session
        self.folder = session_folder()
        self.runs = 0
        self.job: Job | None = None
        self.running = reactive.value(False)
        self.finished: reactive.Value[Finished | None] = reactive.value(None)
        self.figures: reactive.Value[list[str]] = reactive.value([])
        self.message = reactive.value("")
        self.form = reactive.calc(self._form)
        for k in range(1, sc.MAX_SCENARIOS + 1):
            output(id=f"s{k}_form")(render.ui(self._form_renderer(k)))
        output(id="assumption_info")(render.ui(self._assumption_info))
        output(id="progress")(render.ui(self._progress))
        output(id="results")(render.ui(self._results))
        output(id="figures")(render.ui(self._figures))
        for name, what in (("scenario", "toml"), ("results", "h5"), ("report", "html")):
            download = render.download_button(filename=f"meedoen.{what}")
            output(id=f"download_{name}")(download(self._download(name)))
        reactive.effect(self._send_problems)
        reactive.effect(reactive.event(input.run)(self._start))
        reactive.effect(reactive.event(input.cancel)(self._cancel))
        reactive.effect(reactive.event(input.assumption)(self._assumption_value))
        reactive.effect(self._poll)
        session.on_ended(self._end)

    # The form.

    def _value(self, name: str, default: object = None) -> object:
        try:
            return self.input[name]()
        except SilentException:
            return default

    def _form_renderer(self, k: int):
        def render_form():
            start = self._value(f"s{k}_start", "") or None
            form = sc.from_experiment(self.experiment, start)
            name = form.name if start else f"scenario_{k}"
            cards = [
                _intervention_card(k, kind, form.interventions.get(kind), self.experiment.wijk_names,
                                   self.text)
                for kind in sc.intervention_types()
            ]
            return ui.TagList(
                ui.input_text(sc.field_id(k, what="name"), self.text["name"], name),
                ui.layout_columns(*cards, col_widths=6),
            )

        return render_form

    def _scenario(self, k: int) -> sc.ScenarioForm:
        with reactive.isolate():
            start = self._value(f"s{k}_start", "") or None
            origin = sc.from_experiment(self.experiment, start)
        interventions = {}
        for kind in sc.intervention_types():
            fid = lambda what, kind=kind: sc.field_id(k, kind, what)  # noqa: E731
            before = origin.interventions.get(kind)
            wijken = list(self._value(fid("wijken"), before.wijken if before else []) or [])
            if not wijken:
                continue
            lever_values = {key: self._value(fid(key), before.levers[key] if before else
                                             sc.parameter_info(f"{kind}.{key}")["default"])
                            for key in sc.levers(kind)}
            interventions[kind] = sc.InterventionForm(
                kind, before.name if before else kind, wijken,
                self._value(fid("start_week"), before.start_week if before else 1),
                self._value(fid("end_week"), before.end_week if before else None),
                lever_values, before.other if before else {},
            )
        name = self._value(sc.field_id(k, what="name"), origin.name if start else f"scenario_{k}")
        return sc.ScenarioForm(name, interventions, origin.parameters)

    def _form(self) -> sc.Form:
        e = self.experiment
        slots = [k for k in range(1, sc.MAX_SCENARIOS + 1) if k == 1 or self._value(f"s{k}_include", False)]
        settings = sc.Settings(
            e.name, self._value("weeks", e.weeks), self._value("replicates", DEFAULT_REPLICATES),
            self._value("seed", e.seed), self._value("scale", DEFAULT_SCALE), e.population_data,
        )
        chosen = self.input.assumption()
        assumption = (chosen, self.input.assumption_value()) if chosen else None
        return sc.Form(settings, [self._scenario(k) for k in slots], assumption, e.source_path or "app.toml")

    async def _send_problems(self) -> None:
        _, _, problems = sc.check(self.form())
        for name in problems:
            problems[name] = [self.text["empty"] if m == "empty" else m for m in problems[name]]
        shown = {}
        for name, messages in problems.items():
            shown.setdefault(FIELD_ID.get(name, name), []).extend(messages)
        await self.session.send_custom_message("meedoen-problems", shown)

    def _assumption_info(self):
        name = self.input.assumption()
        if not name:
            return None
        info = sc.parameter_info(name)
        labels = f" ({', '.join(info['labels'])})" if info["labels"] else ""
        return ui.tags.small(f"{info['description']}{labels} {_range(name, self.text)}", class_="text-muted")

    def _assumption_value(self) -> None:
        name = self.input.assumption()
        value = _plain(self.experiment.parameter(name, self.experiment.scenario_names[0])) if name else ""
        ui.update_text("assumption_value", value=value)

    # The run.

    def _start(self) -> None:
        if self.job is not None and self.job.running:
            self.message.set(self.text["busy"])
            return
        text, experiment, problems = sc.check(self.form())
        if experiment is None:
            self.message.set(self.text["fix"])
            return
        self.runs += 1
        folder = self.folder / f"run-{self.runs}"
        folder.mkdir()
        self.job = Job(experiment, text, folder, self.lang).start()
        self.message.set("")
        self.figures.set([])
        self.running.set(True)
        ui.update_action_button("run", disabled=True)

    def _cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _poll(self) -> None:
        if not self.running():
            return
        job = self.job
        with reactive.isolate():
            shown = self.finished()
        if job is not None and job.finished is not None and shown is not job.finished:
            self.finished.set(job.finished)  # the table, while the plots are drawn
            ui.update_navset("main_tabs", selected="results")
        if job is not None and job.running:
            reactive.invalidate_later(POLL_SECONDS)
            return
        self.running.set(False)
        ui.update_action_button("run", disabled=False)
        if job is None:
            return
        if job.finished is not None:
            self.figures.set(job.figures)
        elif job.error:
            self.message.set(self.text["failed"].format(error=job.error))
        else:
            self.message.set(self.text["cancelled"])

    def _progress(self):
        message = ui.div(self.message(), id="run_message")
        if not self.running():
            return message
        reactive.invalidate_later(POLL_SECONDS)
        fraction = self.job.fraction if self.job else 0.0
        drawing = self.job is not None and self.job.finished is not None
        return ui.div(
            ui.tags.progress(value=f"{fraction:.3f}", max="1", style="width: 100%", id="run_progress"),
            ui.div(self.text["drawing"] if drawing else self.text["running"].format(percent=100 * fraction)),
            message,
        )

    def _end(self) -> None:
        """The tab closed: its run stops and its files go, in a thread so that the other tabs'
        sessions go on meanwhile."""
        threading.Thread(target=self._clean_up, name="meedoen-app-end", daemon=True).start()

    def _clean_up(self) -> None:
        line = close_tab(self.job, self.folder, STOP_SECONDS)
        if line is not None:
            print(f"Meedoen app: {line}", file=sys.stderr, flush=True)

    # The results.

    def _results(self):
        done = self.finished()
        if done is None:
            return ui.p(self.text["no_results"], class_="text-muted")
        results, table, text = done.results, done.table, self.text
        baseline = results.scenarios[0]
        attrs = results.attrs
        scale = attrs.get("scale", 1.0)
        return ui.TagList(
            ui.h3(text["results"].format(replicates=attrs.get("replicates"), scale=f"{scale:g}")),
            ui.p(scale_note(scale, self.lang)) if scale != 1.0 else None,
            _table(table, results.scenarios, ACHIEVES, set(ACHIEVES),
                   text["achieves"].format(baseline=baseline), self.lang, "achieves"),
            _table(table, results.scenarios, MONEY, CHANGES, text["money"], self.lang, "money",
                   change=text["change"]),
            ui.h4(text["downloads"]),
            ui.download_button("download_scenario", text["download_scenario"]),
            ui.download_button("download_results", text["download_results"]),
            ui.download_button("download_report", text["download_report"]),
        )

    def _figures(self):
        images = (ui.img(src=png, style="max-width: 100%", class_="d-block my-3") for png in self.figures())
        return ui.TagList(*images)

    def _download(self, name: str):
        def download():
            done = self.finished()
            if done is None:
                return
            if name == "scenario":
                yield done.text.encode()
            elif name == "results":
                yield done.path.read_bytes()
            else:
                from meedoen.report import render_report

                yield render_report(done.results, lang=self.lang).encode()

        return download


def _table(table: pd.DataFrame, scenarios: list[str], metrics: list[str], diffs: set[str], title: str,
           lang: str, table_id: str, change: str = ""):
    """A table of compare()'s numbers, written as ``meedoen compare`` writes them."""
    city = table[table.wijk == ALL_WIJKEN].set_index(["scenario", "metric"])
    head = [ui.tags.th("scenario")] + [
        ui.tags.th(OUTCOMES[m].label[lang] + (f" ({change})" if change and m in diffs else ""), title=m)
        for m in metrics
    ]
    rows = [
        ui.tags.tr(
            ui.tags.th(name),
            *(ui.tags.td(cell(city.loc[(name, m)], m, diff=m in diffs), data_scenario=name, data_metric=m)
              for m in metrics),
        )
        for name in scenarios
    ]
    return ui.tags.table(
        ui.tags.caption(title, style="caption-side: top"),
        ui.tags.thead(ui.tags.tr(*head)),
        ui.tags.tbody(*rows),
        class_="table table-sm", id=table_id,
    )
