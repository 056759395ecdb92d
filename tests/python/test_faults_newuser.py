"""Faults a new-user check found: input files that are not UTF-8, repeated wijken, reserved scenario
names, empty or lonely flags, and the words a run of one replicate or one scenario is told in.
Each bad input ends in one line FILE:LINE: key: ... (what is allowed) on stderr and exit status 2."""

import re
from pathlib import Path

import pytest
from conftest import cli

import meedoen
from meedoen.errors import InputError

HEADER = "code,name,inhabitants,men,women,dwellings,land_ha"
PROBLEM = re.compile(r"^[^:\n]+(:\d+)?: [^:\s]+: .+\(.+\)$")


def scenario_with(folder: Path, csv: bytes, scenarios: str = '[[scenario]]\nname = "baseline"\n') -> Path:
    (folder / "w.csv").write_bytes(csv)
    path = folder / "s.toml"
    path.write_text(f'[experiment]\nname = "t"\nweeks = 4\nreplicates = 1\n[population]\ndata = "w.csv"\n{scenarios}')
    return path


def assert_refused(result, expected: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert PROBLEM.match(lines[0]), lines[0]


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_latin1_population_file_is_refused_at_its_line(tmp_path: Path, command: str):
    csv = f"{HEADER}\nWK1,Noord,900,400,500,450,12.5\nWK2,Zuidwest Hôgewoerd,90,40,50,45,1\n".encode("latin-1")
    path = scenario_with(tmp_path, csv)
    out = tmp_path / "out.h5"
    result = cli(command, path, *(["-o", out] if command == "run" else []))
    assert_refused(result, f"{tmp_path / 'w.csv'}:3: row: is not UTF-8 text")
    assert not out.exists()


def test_the_same_name_in_utf8_is_read(tmp_path: Path):
    csv = f"{HEADER}\nWK1,Noord,900,400,500,450,12.5\nWK2,Zuidwest Hôgewoerd,90,40,50,45,1\n".encode()
    assert meedoen.load_experiment(scenario_with(tmp_path, csv)).wijk_names == ["Noord", "Zuidwest Hôgewoerd"]


def test_a_latin1_scenario_file_is_refused_at_its_line(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_bytes('[experiment]\nname = "Café"\n[[scenario]]\nname = "baseline"\n'.encode("latin-1"))
    assert_refused(cli("validate", path), f"{path}:2: (file): is not UTF-8 text")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_scenario_file_is_one_problem(tmp_path: Path, text: str):
    path = tmp_path / "s.toml"
    path.write_text(text)
    out = tmp_path / "out.h5"
    assert_refused(cli("run", path, "-o", out), f"{path}:1: (file): has no settings (an [experiment] table")
    assert not out.exists()


def test_a_latin1_pilot_or_config_file_is_refused_at_its_line(tmp_path: Path):
    from meedoen.config import ConfigFile
    from meedoen.pilot import read_pilot

    pilot = tmp_path / "pilot.csv"
    pilot.write_bytes("programme,wijk\nhuisbezoek,Noord\nhuisbezoek,Hôgewoerd\n".encode("latin-1"))
    with pytest.raises(InputError) as error:
        read_pilot(pilot)
    assert error.value.problems[0].startswith(f"{pilot}:3: (file): is not UTF-8 text")
    config = tmp_path / "c.toml"
    config.write_bytes('# één\nx = 1\n# café\n'.encode("latin-1"))
    with pytest.raises(InputError) as error:
        ConfigFile(config)
    assert error.value.problems[0].startswith(f"{config}:1: (file): is not UTF-8 text")


@pytest.mark.parametrize(
    ("rows", "line", "key"),
    [
        ("WK1,Noord,900,400,500,450,1\nWK2,Noord,90,40,50,45,1\n", 3, "name: 'Noord' is also the name of the wijk on line 2"),
        ("WK1,Noord,900,400,500,450,1\nWK1,Zuid,90,40,50,45,1\n", 3, "code: 'WK1' is also the code of the wijk on line 2"),
        ("WK1,Noord,900,500,500,450,1\n", 2, "women: men + women is 1000, more than the 900 inhabitants"),
    ],
)
def test_repeated_wijken_and_too_many_men_and_women_are_refused(tmp_path: Path, rows: str, line: int, key: str):
    path = scenario_with(tmp_path, f"{HEADER}\n{rows}".encode())
    assert_refused(cli("validate", path), f"{tmp_path / 'w.csv'}:{line}: {key}")


def test_men_and_women_rounded_to_five_may_exceed_the_inhabitants_by_ten(tmp_path: Path):
    path = scenario_with(tmp_path, f"{HEADER}\nWK1,Noord,900,405,505,450,1\n".encode())
    assert meedoen.load_experiment(path).wijk_names == ["Noord"]


@pytest.mark.parametrize("name", ["parameter_draws", "replicate", "parameter"])
def test_a_scenario_named_like_a_dataset_of_the_results_file_is_refused(tmp_path: Path, name: str):
    path = tmp_path / "s.toml"
    path.write_text(f'[experiment]\nname = "t"\n\n[[scenario]]\nname = "baseline"\n\n[[scenario]]\nname = "{name}"\n')
    assert_refused(cli("validate", path), f"{path}:8: scenario[2].name: '{name}' is reserved")


def test_an_empty_flag_is_refused(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text('[experiment]\nname = "t"\nweeks = 2\nreplicates = 1\n[[scenario]]\nname = "baseline"\n')
    assert_refused(cli("run", path, "-o", ""), "command line: -o: is empty")
    assert_refused(cli("run", path, "--scheduler", "", "-o", tmp_path / "o.h5"), "command line: --scheduler: is empty")
    assert not (Path("results") / "s.h5").exists()


@pytest.mark.parametrize(
    ("command", "name"), [(["validate"], "SCENARIO.toml"), (["run"], "SCENARIO.toml"), (["compare"], "OUT.h5")]
)
def test_an_empty_file_argument_is_named(command: list[str], name: str):
    # It was ": (file): cannot read the file": no name at all to go by.
    assert_refused(cli(*command, ""), f"command line: {name}: is empty (a file name)")


def test_max_replicates_without_precision_is_refused(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text('[experiment]\nname = "t"\nweeks = 2\nreplicates = 1\n[[scenario]]\nname = "baseline"\n')
    assert_refused(cli("run", path, "--max-replicates", "5", "-o", tmp_path / "o.h5"), "command line: --max-replicates: needs --precision")


def test_a_scale_just_above_its_maximum_says_its_value(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text('[experiment]\nname = "t"\n[population]\nscale = 150.0000001\n[[scenario]]\nname = "baseline"\n')
    result = cli("validate", path)
    assert_refused(result, f"{path}:4: population.scale: value 150.0000001 is out of range")


def test_validate_counts_in_the_singular(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_text('[experiment]\nname = "t"\nweeks = 1\nreplicates = 1\n[[scenario]]\nname = "baseline"\n')
    assert cli("validate", path).stdout == "OK: 1 scenario, 1 week, 1 replicate\n"


@pytest.fixture(scope="module")
def one_replicate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of one replicate with a scenario name long enough to widen the tables."""
    folder = tmp_path_factory.mktemp("one")
    path = folder / "one.toml"
    path.write_text(
        '[experiment]\nname = "t"\nweeks = 8\nreplicates = 1\n[population]\nscale = 0.05\n'
        '[[scenario]]\nname = "baseline"\n[[scenario]]\nname = "huisbezoeken_in_alle_wijken_van_de_stad"\n'
        '[[scenario.intervention]]\ntype = "home_visits"\n'
    )
    out = folder / "one.h5"
    result = cli("run", path, "-o", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "participation_rate" in result.stdout and "…" not in result.stdout  # piped: nothing cut
    return out


def test_compare_piped_shows_every_column_whole(one_replicate: Path):
    result = cli("compare", one_replicate)
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    for column in ("break_even_week", "cost_per_person_up", "huisbezoeken_in_alle_wijken_van_de_stad"):
        assert column in result.stdout
    assert "one replicate: no interval" in result.stdout and "95% interval" not in result.stdout.split("\n")[0]
    assert "1 replicates" not in result.stdout


def test_the_report_of_one_replicate_says_there_is_no_interval_and_has_no_nan(one_replicate: Path):
    page = one_replicate.with_suffix(".html")
    assert cli("report", one_replicate, "-o", page, "--lang", "en").returncode == 0
    html = page.read_text()
    assert '="nan"' not in html
    assert "With one replicate there is no interval" in html
    assert "with its 95% interval in brackets" not in html


def test_a_utf16_scenario_file_without_a_byte_order_mark_is_refused_as_not_utf8(tmp_path: Path):
    path = tmp_path / "s.toml"
    path.write_bytes('[experiment]\nname = "t"\n[[scenario]]\nname = "baseline"\n'.encode("utf-16-le"))
    assert_refused(cli("validate", path), f"{path}:1: (file): is not UTF-8 text")


def test_a_count_that_is_not_a_number_is_one_problem_not_two(tmp_path: Path):
    """The sum of men and women is compared with the inhabitants only when all three were read."""
    csv = f"{HEADER}\nWK1,Noord,900,400,500,450,12.5\nWK2,Zuid,12a4,40,50,45,1\n".encode()
    assert_refused(cli("validate", scenario_with(tmp_path, csv)), f"{tmp_path / 'w.csv'}:3: inhabitants: '12a4'")
