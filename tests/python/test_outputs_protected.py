"""A command never writes over what it reads, nor over a folder it did not write: one line, exit 2,
and every file as it was."""

import shutil
from pathlib import Path

from conftest import LEIDEN, REPO, cli

from meedoen.optimise import output_problem


def _copy(tmp_path: Path) -> tuple[Path, bytes]:
    scenario = tmp_path / "mine.toml"
    shutil.copy(LEIDEN, scenario)
    text = scenario.read_bytes().replace(b'"../data/', f'"{REPO / "data"}/'.encode())
    scenario.write_bytes(text)
    return scenario, text


def _refused(done, flag: str, what: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"command line: {flag}:") and what in lines[0], lines


def test_run_and_breakeven_do_not_write_over_their_scenario_file(tmp_path: Path):
    scenario, text = _copy(tmp_path)
    _refused(cli("run", scenario, "-o", scenario, "--weeks", "2"), "-o", "is an input of this command")
    _refused(cli("breakeven", scenario, "-o", scenario, "--weeks", "2"), "-o", "is an input of this command")
    assert scenario.read_bytes() == text


def test_optimise_does_not_replace_a_folder_it_did_not_write(tmp_path: Path):
    folder = tmp_path / "mine"
    folder.mkdir()
    config = folder / "opt.toml"
    config.write_text((REPO / "configs" / "optimise_budget.toml").read_text(encoding="utf-8").replace(
        '"../scenarios/', f'"{REPO / "scenarios"}/'), encoding="utf-8")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    _refused(cli("optimise", config, "-o", folder, "--workers", "1"), "-o", "did not write (notes.txt, opt.toml)")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_folder_that_optimise_wrote_may_be_replaced(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "allocations.csv").write_text("name,file\nbest,best.toml\n", encoding="utf-8")
    for name in ("trials.csv", "front.png", "best.toml"):
        (out / name).write_text("x", encoding="utf-8")
    assert output_problem(out) is None and output_problem(tmp_path / "new") is None
    (out / "other.toml").write_text("x", encoding="utf-8")
    assert "other.toml" in output_problem(out)


def test_a_break_even_table_with_a_word_for_a_number_is_refused_at_its_line(tmp_path: Path, small_run: Path):
    table = tmp_path / "be.csv"
    columns = "scenario,baseline,actor,factor,factor_ci_low,factor_ci_high,at,balance,balance_ci_low,"
    columns += "balance_ci_high,upper,runs,replicates,weeks,scale"
    table.write_text(f"{columns}\ncombined,baseline,gemeente,1,0.5,1.5,1,0,-1,1,five,9,2,6,0.05\n", "utf-8")
    done = cli("report", small_run, "-o", tmp_path / "r.html", "--break-even", table)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"{table}:2: upper: value 'five' is not a number (a CSV table written by meedoen breakeven)"
    assert not (tmp_path / "r.html").exists()


def test_compare_refuses_views_that_exclude_each_other_and_an_unknown_format(small_run: Path):
    for flags, flag, says in (
        (("--by-actor", "--per-year"), "--per-year", "cannot be combined with --by-actor"),
        (("--by-wijk", "--by-actor"), "--by-actor", "cannot be combined with --by-wijk"),
        (("--format", "xml"), "--format", "value xml is not a format (one of: table, csv, json)"),
    ):
        _refused(cli("compare", small_run, *flags), flag, says)


def test_an_output_named_as_another_kind_of_file_is_refused(tmp_path: Path, small_run: Path):
    """A report named leiden.h5 would replace a results file with HTML: each command's output must
    carry the suffix of what it writes, and a file already there stays as it was."""
    other = tmp_path / "other.h5"
    shutil.copy(small_run, other)
    before = other.read_bytes()
    _refused(cli("report", small_run, "-o", other), "-o", "does not end in .html or .htm (a file")
    assert other.read_bytes() == before
    scenario, _ = _copy(tmp_path)
    _refused(cli("run", scenario, "-o", tmp_path / "out.csv", "--weeks", "2"), "-o", "does not end in .h5, .hdf5 or .nc")
    _refused(cli("breakeven", scenario, "-o", tmp_path / "be.html"), "-o", "does not end in .csv")
    config = REPO / "configs" / "sensitivity_door.toml"
    _refused(cli("sensitivity", config, "--plot", tmp_path / "p.csv"), "--plot", "does not end in .png")
    _refused(cli("calibrate", REPO / "configs" / "calibrate_pilots.toml", "-o", tmp_path / "post.csv",
                 "--pilot", REPO / "data" / "pilot" / "project_door.csv"), "-o", "does not end in .h5, .hdf5 or .nc")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml", "other.h5"]
