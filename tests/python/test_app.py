"""`meedoen app`: the form as a scenario file (no browser), and the app in Debian's Chromium driven
by Selenium (chromium-driver): switch an intervention on in one wijk, run at a small scale, read the
numbers that `meedoen compare` gives for the downloaded scenario file, and a value out of range.

The screenshot of the page with its results is kept in build/test-artefacts/app.png.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import LEIDEN, REPO, cli, free_port, stop_process_group

import meedoen
from meedoen.app import scenario as sc
from meedoen.cli.compare import ACHIEVES, CHANGES, MONEY, cell
from meedoen.compare import ALL_WIJKEN

ARTEFACTS = REPO / "build" / "test-artefacts"
START_TIMEOUT = 120  # seconds for the server to answer (a loaded machine imports slowly)
RUN_TIMEOUT = 600  # seconds for a small run and its table
SMALL = {"scale": "0.05", "replicates": "2", "weeks": "26"}
# A run that lasts many minutes on any machine (1,000 replicates of 260 weeks at scale 1), so that
# a test can stop it before it ends however fast the engine gets.
LONG = {"scale": "1", "replicates": "1000"}


def leiden() -> meedoen.Experiment:
    return meedoen.load_experiment(LEIDEN)


# The form as a scenario file.


def test_file_scenarios_round_trip_through_the_form() -> None:
    """Every scenario of leiden.toml, read into the form and written out again, is the same
    scenario to the engine: the same interventions, wijken, weeks and levers."""
    e = leiden()
    settings = sc.Settings(e.name, e.weeks, e.replicates, e.seed, e.scale, e.population_data)
    forms = [sc.from_experiment(e, name) for name in e.scenario_names[1:]]
    text, experiment, problems = sc.check(sc.Form(settings, forms, None, e.source_path))
    assert problems == {}, text
    assert experiment.scenario_names == e.scenario_names
    for name in e.scenario_names[1:]:
        assert experiment.interventions(name) == e.interventions(name)
        for i in e.interventions(name):
            for key in sc.levers(i["type"]):
                p = f"{i['type']}.{key}"
                assert experiment.parameter(p, name, i["name"]) == e.parameter(p, name, i["name"])


def one_intervention(staff_hours: float | None = None, end_week: float | None = None) -> sc.Form:
    e = leiden()
    kind = sc.intervention_types()[0]
    levers = {key: sc.parameter_info(f"{kind}.{key}")["default"] for key in sc.levers(kind)}
    levers["staff_hours"] = staff_hours
    intervention = sc.InterventionForm(kind, kind, [e.wijk_names[0]], 1, end_week, levers)
    settings = sc.Settings(e.name, 26, 2, e.seed, 0.05, e.population_data)
    return sc.Form(settings, [sc.ScenarioForm("pilot", {kind: intervention})], None, e.source_path)


def test_a_lever_out_of_range_is_a_problem_of_its_field() -> None:
    kind = sc.intervention_types()[0]
    maximum = sc.parameter_info(f"{kind}.staff_hours")["max"]
    _, experiment, problems = sc.check(one_intervention(staff_hours=maximum * 10))
    assert experiment is None
    assert list(problems) == [sc.field_id(1, kind, "staff_hours")]
    assert "staff_hours" in problems[sc.field_id(1, kind, "staff_hours")][0]
    assert f"{maximum:g}" in problems[sc.field_id(1, kind, "staff_hours")][0]


def test_an_empty_number_and_weeks_beyond_the_horizon_are_problems_of_their_fields() -> None:
    kind = sc.intervention_types()[0]
    assert sc.check(one_intervention(staff_hours=None))[2] == {sc.field_id(1, kind, "staff_hours"): ["empty"]}
    problems = sc.check(one_intervention(staff_hours=10, end_week=27))[2]
    assert list(problems) == [sc.field_id(1, kind, "end_week")]


def test_an_assumption_reaches_every_scenario() -> None:
    form = one_intervention(staff_hours=10)
    name = next(n for n in sc.assumption_parameters() if not sc.parameter_info(n)["labels"])
    info = sc.parameter_info(name)
    value = (info["min"] + info["default"]) / 2
    form.assumption = (name, f"{value!r}")
    _, experiment, problems = sc.check(form)
    assert problems == {}
    assert all(experiment.parameter(name, s) == pytest.approx(value) for s in experiment.scenario_names)
    form.assumption = (name, "not a number")
    assert list(sc.check(form)[2]) == ["assumption_value"]


def test_stop_ends_a_run_without_results(tmp_path: Path) -> None:
    from meedoen.app.job import Job

    _, experiment, _ = sc.check(one_intervention(staff_hours=10))
    experiment = experiment.with_overrides(weeks=260, replicates=20)  # minutes, unless stopped
    job = Job(experiment, "", tmp_path).start()
    deadline = time.monotonic() + RUN_TIMEOUT
    while job.fraction == 0 and job.running:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    job.cancel()
    job.wait()
    assert (job.finished, job.error) == (None, None)
    assert job.fraction < 1
    assert list(tmp_path.iterdir()) == []  # neither a results file nor its parts


class _EngineThread:
    """A run as the tab's end sees it: ``running`` until cancelled, then stopped after ``lag``
    seconds (0: at once, as an engine between two short weeks)."""

    def __init__(self, lag: float) -> None:
        self.lag, self.cancelled_at = lag, None

    @property
    def running(self) -> bool:
        return self.cancelled_at is None or time.monotonic() < self.cancelled_at + self.lag

    def cancel(self) -> None:
        self.cancelled_at = time.monotonic()

    def wait(self, timeout: float) -> None:
        time.sleep(min(timeout, self.lag))


@pytest.mark.parametrize(("lag", "state"), [(0.0, "stopped"), (0.2, "stopped"), (5.0, "still stopping")])
def test_a_closed_tab_reports_the_run_it_stopped(tmp_path: Path, lag: float, state: str) -> None:
    """The run counts as going if it was going when the tab closed, even if it stops at once; the
    tab's folder goes either way."""
    from meedoen.app.job import close_tab

    (tmp_path / "run-1").mkdir()
    line = close_tab(_EngineThread(lag), tmp_path, wait_seconds=1.0)
    assert line == f"a tab closed during its run; the run {state}."
    assert not tmp_path.exists()


def test_a_closed_tab_without_a_run_reports_nothing(tmp_path: Path) -> None:
    from meedoen.app.job import close_tab

    stopped = _EngineThread(0.0)
    stopped.cancel()
    assert close_tab(None, tmp_path, wait_seconds=1.0) is None
    assert close_tab(stopped, tmp_path, wait_seconds=1.0) is None
    assert not tmp_path.exists()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_page_speaks_its_language(lang: str) -> None:
    from meedoen.app.texts import TEXT
    from meedoen.app.ui import make_app

    page = make_app(leiden(), lang).ui["html"]
    other = TEXT["en" if lang == "nl" else "nl"]
    assert TEXT[lang]["title"] in page and TEXT[lang]["run"] in page
    assert other["title"] not in page and other["run"] not in page


def app_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meedoen", "app", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bad_flags_and_a_port_in_use_are_one_line_problems() -> None:
    result = app_command(str(LEIDEN), "--lang", "fr", "--port", "70000")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "command line: --lang: value fr is not a language of the app (nl or en)",
        "command line: --port: value 70000 is out of range (1 to 65535)",
    ]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = app_command(str(LEIDEN), "--port", str(port))
    assert result.returncode == 2
    assert result.stderr.startswith(f"command line: --port: cannot listen on 127.0.0.1:{port}: ")
    assert len(result.stderr.splitlines()) == 1


# The app in a browser.


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`meedoen app` on a free port of 127.0.0.1, stopped at the end of the module: its address
    and its log."""
    import urllib.request

    port = free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    command = [sys.executable, "-m", "meedoen", "app", str(LEIDEN), "--port", str(port)]
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=out, cwd=REPO, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"no answer at {url}: {log.read_text()}"
                time.sleep(0.5)
        assert url in log.read_text()  # the address is printed
        yield url, log
    finally:
        stop_process_group(server)


@pytest.fixture(scope="module")
def app_url(app_server: tuple[str, Path]) -> str:
    return app_server[0]


def start_browser(downloads: Path):
    """Debian's Chromium, headless, under Selenium with chromium-driver; None when either is missing."""
    webdriver = pytest.importorskip("selenium.webdriver")
    driver_path, chromium = shutil.which("chromedriver"), shutil.which("chromium")
    if not (driver_path and chromium):
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.downloads = downloads
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    driver = start_browser(tmp_path_factory.mktemp("downloads"))
    if driver is None:
        pytest.skip("Debian's chromium and chromium-driver are not installed (make install adds them)")
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, css: str, timeout: float = 60):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_for_text(driver, css: str, text: str, timeout: float = 60) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def type_into(driver, field: str, value: str) -> None:
    box = wait_for(driver, f"#{field}")
    box.clear()
    box.send_keys(value)


def switch_on(driver, kind: str, wijk: str) -> None:
    name = sc.field_id(1, kind, "wijken")
    box = wait_for(driver, f"#{name} input[value={json.dumps(wijk)}]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.click()


def press(driver, element_id: str) -> None:
    button = wait_for(driver, f"#{element_id}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def wait_for_file(path: Path, timeout: float = 120) -> Path:
    """``path`` once the browser has downloaded it (Chromium writes a .crdownload first)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, list(path.parent.iterdir())
        time.sleep(0.2)
    return path


def test_starting_from_a_file_scenario_ticks_its_wijken(app_url: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    e = leiden()
    name = e.scenario_names[1]
    browser.get(app_url)
    Select(wait_for(browser, "#s1_start")).select_by_value(name)
    for i in e.interventions(name):
        group = sc.field_id(1, i["type"], "wijken")
        wait_for(browser, f"#{group} input[value={json.dumps(i['wijken'][0])}]:checked")
        ticked = browser.find_elements(By.CSS_SELECTOR, f"#{group} input:checked")
        assert sorted(box.get_attribute("value") for box in ticked) == sorted(i["wijken"])
    assert wait_for(browser, f"#{sc.field_id(1, what='name')}").get_attribute("value") == name


def severe_console_messages(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_a_run_in_the_browser_gives_the_numbers_of_meedoen_compare(
    app_url: str, browser, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    e = leiden()
    kind, wijk = sc.intervention_types()[0], e.wijk_names[0]
    browser.get(app_url)
    for field, value in SMALL.items():
        type_into(browser, field, value)
    switch_on(browser, kind, wijk)
    time.sleep(1)  # the form's inputs reach the server
    press(browser, "run")
    wait_for(browser, "#achieves", RUN_TIMEOUT)
    page = {
        (td.get_attribute("data-scenario"), td.get_attribute("data-metric")): td.text
        for td in browser.find_elements(By.CSS_SELECTOR, "td[data-metric]")
    }
    wait_for(browser, "#figures img", RUN_TIMEOUT)
    assert not browser.find_elements(By.ID, "run_progress")  # the plots come when the run is over
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, height)
    browser.save_screenshot(str(ARTEFACTS / "app.png"))
    browser.set_window_size(1400, 1800)

    press(browser, "download_scenario")
    scenario = wait_for_file(browser.downloads / "meedoen.toml")
    assert cli("validate", scenario).returncode == 0, cli("validate", scenario).stderr
    downloaded = meedoen.load_experiment(scenario)
    assert downloaded.interventions("scenario_1")[0]["wijken"] == [wijk]
    assert (downloaded.scale, downloaded.replicates, downloaded.weeks) == (0.05, 2, 26)

    out = tmp_path / "same.h5"
    assert cli("run", scenario, "-o", out, "--quiet").returncode == 0
    table = json.loads(cli("compare", out, "--format", "json").stdout)
    rows = {(r["scenario"], r["metric"]): r for r in table if r["wijk"] == ALL_WIJKEN}
    diffs = set(ACHIEVES) | CHANGES
    expected = {}
    for (name, metric), r in rows.items():
        if metric in ACHIEVES + MONEY:
            values = {k: float("nan") if v is None else v for k, v in r.items()}
            expected[(name, metric)] = cell(_Row(values), metric, diff=metric in diffs)
    assert page == expected
    for name, kind in (("results", "h5"), ("report", "html")):
        press(browser, f"download_{name}")
        wait_for_file(browser.downloads / f"meedoen.{kind}")
    assert meedoen.open_results(browser.downloads / "meedoen.h5").scenarios == ["baseline", "scenario_1"]
    assert "scenario_1" in (browser.downloads / "meedoen.html").read_text(encoding="utf-8")
    assert page[("scenario_1", "intervention_cost")] != page[("baseline", "intervention_cost")]
    assert severe_console_messages(browser) == []


def test_a_value_out_of_range_shows_its_message_beside_the_field(app_url: str, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(app_url)
    kind, wijk = sc.intervention_types()[0], leiden().wijk_names[0]
    field = sc.field_id(1, kind, "staff_hours")
    maximum = sc.parameter_info(f"{kind}.staff_hours")["max"]
    switch_on(browser, kind, wijk)
    type_into(browser, field, f"{maximum * 10:g}")
    beside = f".shiny-input-container:has(#{field}) .meedoen-problem"
    wait_for_text(browser, beside, "staff_hours")
    assert f"{maximum:g}" in browser.find_element(By.CSS_SELECTOR, beside).text
    assert browser.find_elements(By.CSS_SELECTOR, ".meedoen-problem") == [
        browser.find_element(By.CSS_SELECTOR, beside)
    ]  # only beside its field
    assert severe_console_messages(browser) == []


def test_the_stop_button_stops_the_run(app_url: str, browser) -> None:
    from meedoen.app.texts import TEXT

    browser.get(app_url)
    for field, value in LONG.items():
        type_into(browser, field, value)
    switch_on(browser, sc.intervention_types()[0], leiden().wijk_names[0])
    time.sleep(1)
    press(browser, "run")
    wait_for(browser, "#run_progress")
    press(browser, "cancel")
    wait_for_text(browser, "#run_message", TEXT["nl"]["cancelled"], RUN_TIMEOUT)
    assert "achieves" not in browser.page_source


def test_closing_the_tab_stops_its_run(app_server: tuple[str, Path], browser, tmp_path: Path) -> None:
    """A long run stopped by closing its browser (a browser of its own: the module's one stays
    open)."""
    url, log = app_server
    own = start_browser(tmp_path)
    try:
        own.get(url)
        for field, value in LONG.items():
            type_into(own, field, value)
        switch_on(own, sc.intervention_types()[0], leiden().wijk_names[0])
        time.sleep(1)
        press(own, "run")
        wait_for(own, "#run_progress")
    finally:
        own.quit()  # its tab, and with it its session, ends
    deadline = time.monotonic() + START_TIMEOUT
    while "a tab closed during its run; the run stopped." not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
    assert "still stopping" not in log.read_text()


@pytest.mark.skipif(
    not os.environ.get("MEEDOEN_APP_BENCHMARK"), reason="a benchmark: set MEEDOEN_APP_BENCHMARK=1"
)
def test_benchmark_scale_one(app_url: str, browser) -> None:
    """Seconds from pressing run to the table on screen: one scenario against the baseline, scale 1,
    20 replicates (benchmarks/RESULTS.md). Prints the time; asserts none."""
    from selenium.webdriver.common.by import By

    browser.get(app_url)
    kind, wijk = sc.intervention_types()[0], leiden().wijk_names[0]
    switch_on(browser, kind, wijk)
    time.sleep(1)
    start = time.monotonic()
    press(browser, "run")
    wait_for(browser, "#achieves", RUN_TIMEOUT)
    print(f"\napp benchmark: {time.monotonic() - start:.1f} s from run to table (scale 1, 20 replicates)")


class _Row(dict):
    __getattr__ = dict.__getitem__
