"""One CLI convention across the commands (issue 16, items 5 and 6), on the real ``attrition``
app: ``--format table|csv|json`` with ``--json`` as its alias, repeatable comma-separated filters
matched in any letter case, single-valued options that refuse a repetition, shell completion,
``scenario show``/``scenario new``, the fitters' repr, ``estimate --period`` and the packaged
duel with uncertain inputs.

Oracles: the same command with the other spelling of an option (alias, repeat vs comma, letter
case), separate calls whose union the combined filter must give, the scenario kinds' own
loaders, ``eval`` of a repr, and the fit's daily draws.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from attrition.cli import _output, app, refuse_repeated_options
from attrition.errors import UserError

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def ok(*args: str) -> str:
    res = invoke(*args)
    assert res.exit_code == 0, (args, res.output)
    return str(res.stdout)


def fails(*args: str) -> str:
    """A user error: exit 2 and one line on stderr, starting 'error: '."""
    res = invoke(*args)
    assert res.exit_code == 2, (args, res.output)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: "), lines
    return str(lines[0])


def _commands() -> list[tuple[str, Any]]:
    """Every command of the app (sub-apps' commands included) with its Click command."""
    root = typer.main.get_command(app)
    out: list[tuple[str, Any]] = []

    def walk(cmd: Any, path: str) -> None:
        out.append((path, cmd))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(root, "")
    return out


def _options(cmd: Any) -> set[str]:
    return {o for p in cmd.params for o in getattr(p, "opts", [])}


# --- --format and --json ------------------------------------------------------------------------


def test_every_json_command_has_format_and_every_format_command_has_json() -> None:
    with_format = 0
    for path, cmd in _commands():
        opts = _options(cmd)
        assert ("--json" in opts) == ("--format" in opts), path
        with_format += "--format" in opts
    # claims, events, places, streams, datasets (+show), fit, compare, estimate, validate
    # estimate, simulate, sensitivity, scenario list/show/run, hindcast
    assert with_format >= 16


@pytest.mark.parametrize(
    "args",
    [
        ["claims", "--metric", "killed"],
        ["events"],
        ["places"],
        ["streams"],
        ["datasets"],
        ["datasets", "show", "ardennes"],
        ["fit", "ardennes"],
        ["compare", "ardennes"],
        ["scenario", "list"],
        ["scenario", "show", "duel"],
        ["simulate", "duel", "--runs", "20", "--no-progress"],
    ],
)
def test_json_is_an_alias_of_format_json(args: list[str]) -> None:
    by_alias = ok(*args, "--json")
    by_format = ok(*args, "--format", "json")
    if args[0] == "simulate":  # its summary carries the wall time
        a, b = json.loads(by_alias), json.loads(by_format)
        a.pop("wall_seconds"), b.pop("wall_seconds")
        assert a == b
    else:
        assert by_alias == by_format
        json.loads(by_alias)
    assert ok(*args, "--format", "JSON") == by_format or args[0] == "simulate"


@pytest.mark.parametrize(
    ("args", "columns"),
    [
        (["places"], "place"),
        (["datasets"], "name,rows,period,licence"),
        (["fit", "ardennes"], "dataset,method,parameter,side,estimate"),
        (["compare", "ardennes"], "law,"),
        (["scenario", "list"], "name,kind,title,file"),
        (["simulate", "duel", "--runs", "20", "--no-progress"], "side,final_mean"),
    ],
)
def test_csv_has_a_header_and_rows(args: list[str], columns: str) -> None:
    text = ok(*args, "--format", "csv")
    assert text.splitlines()[0].startswith(columns)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows


def test_fit_csv_is_the_fitted_parameter_table() -> None:
    rows = list(csv.DictReader(io.StringIO(ok("fit", "ardennes", "--format", "csv"))))
    summary = json.loads(ok("fit", "ardennes", "--json"))
    got = {r["side"]: float(r["estimate"]) for r in rows if r["parameter"] == "coefficient"}
    assert got == pytest.approx(summary["coefficients"], rel=1e-12)


def test_format_errors_are_one_line() -> None:
    assert "unknown format 'xml'; valid: csv, json, table" in fails("places", "--format", "xml")
    assert "--json and --format csv disagree" in fails("places", "--json", "--format", "csv")
    line = fails("claims", "check", "--format", "csv")
    assert "prints table, json only" in line
    assert "a scenario is one TOML file" in fails("scenario", "show", "duel", "--format", "csv")


# --- filters: repeatable, comma-separated, any letter case --------------------------------------


def _ids(*args: str) -> list[str]:
    return [r["id"] for r in json.loads(ok("claims", *args, "--json"))]


def test_repeated_and_comma_separated_filters_select_the_union() -> None:
    ru, wagner = _ids("--side", "RU"), _ids("--side", "WAGNER")
    assert ru
    assert wagner
    both = _ids("--side", "RU,WAGNER")
    assert both == _ids("--side", "RU", "--side", "WAGNER")
    assert sorted(both) == sorted(ru + wagner)
    metrics = _ids("--metric", "killed,wounded", "--side", "UA")
    assert sorted(metrics) == sorted(
        _ids("--metric", "killed", "--side", "UA") + _ids("--metric", "wounded", "--side", "UA")
    )
    names = _ids("--claimant", "Prigozhin,Kirby")
    assert sorted(names) == sorted(_ids("--claimant", "Prigozhin") + _ids("--claimant", "Kirby"))


def test_vocabulary_is_matched_in_any_case_and_the_canonical_value_echoed() -> None:
    res = invoke("claims", "--metric", "Killed", "--side", "ru", "--json")
    assert res.exit_code == 0, res.output
    assert res.stdout == ok("claims", "--metric", "killed", "--side", "RU", "--json")
    assert "--metric Killed read as killed" in res.stderr
    assert "--side ru read as RU" in res.stderr
    line = fails("claims", "--side", "RU,martians")
    assert line == "error: --side: unknown side 'martians'; valid: BOTH, CIVILIAN, RU, UA, WAGNER"
    assert "valid: " in fails("claims", "--metric", "kills")


def test_events_filters() -> None:
    rows = json.loads(ok("events", "--place", "bakhmut", "--by", "ru", "--json"))
    assert rows
    assert {(r["place"], r["by_side"]) for r in rows} == {("Bakhmut", "RU")}
    captured = json.loads(ok("events", "--event", "CAPTURED,withdrew", "--json"))
    assert {r["event"] for r in captured} <= {"captured", "withdrew"}
    assert "unknown place 'Atlantis'" in fails("events", "--place", "Atlantis")


def test_a_repeated_single_valued_option_is_refused() -> None:
    line = fails("fit", "ardennes", "--seed", "1", "--seed", "2")
    assert line == (
        "error: --seed: given twice (--seed 1, then --seed 2); it is not repeatable, so give it "
        "once"
    )
    assert "given twice" in fails("fit", "ardennes", "--seed=1", "--seed", "2")
    assert "given twice" in fails("simulate", "duel", "--progress", "--no-progress")
    assert "given twice" in fails("places", "--json", "--json")
    assert "given twice" in fails("datasets", "--json", "--json")
    # a value that looks like the option (after --) is an argument, not a repetition
    with pytest.raises(UserError, match="--window: given twice"):
        refuse_repeated_options(_command("estimate"), ["--window", "a", "b", "--window", "c", "d"])
    refuse_repeated_options(_command("estimate"), ["--window", "a", "b", "--", "--window"])


def _command(name: str) -> Any:
    return dict(_commands())[name]


def test_split_values_and_canonical() -> None:
    assert _output.split_values(["RU, WAGNER", "UA", "RU"], "--side") == ["RU", "WAGNER", "UA"]
    assert _output.split_values(None, "--side") == []
    with pytest.raises(UserError, match="--side: give a value"):
        _output.split_values([" , "], "--side")
    assert _output.canonical("ua", ["RU", "UA"], "--side", "side") == "UA"
    with pytest.raises(UserError, match=r"^--side: unknown side 'xx'; valid: RU, UA$"):
        _output.canonical("xx", ["RU", "UA"], "--side", "side")


# --- completion ---------------------------------------------------------------------------------


def test_shell_completion_options_exist() -> None:
    root = typer.main.get_command(app)
    assert {"--install-completion", "--show-completion"} <= _options(root)
    assert "--install-completion" in ok("--help")


# --- scenario show / new ------------------------------------------------------------------------


def test_scenario_show_prints_the_file_with_its_kind() -> None:
    from attrition.battles import resolve_scenario

    out = ok("scenario", "show", "duel")
    path, _ = resolve_scenario("duel")
    first, rest = out.split("\n", 1)
    assert first == f"# {path} (kind duel)"
    assert rest == path.read_text(encoding="utf-8")
    assert ok("scenario", "show", "soledar-holds").startswith("# ")
    assert "(kind bakhmut)" in ok("scenario", "show", "soledar-holds").splitlines()[0]
    shown = json.loads(ok("scenario", "show", "duel", "--json"))
    assert shown["kind"] == "duel"
    assert shown["toml"] == rest


@pytest.mark.parametrize("kind", ["duel", "bakhmut"])
def test_scenario_new_writes_a_valid_commented_template(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attrition.battles import load_scenario

    monkeypatch.chdir(tmp_path)
    ok("scenario", "new", "my-what-if", "--kind", kind.upper())
    path = tmp_path / "my-what-if.toml"
    text = path.read_text(encoding="utf-8")
    spec = load_scenario(path)  # the kind's own loader, through the kinds registry
    assert spec.scenario.kind == kind
    assert spec.scenario.name == "my-what-if"
    assert text.count("\n#") >= 5  # commented optional keys
    if kind == "bakhmut":
        # every schedule kind and every parameter is listed; the prior centres are valid values
        for key in ("supply", "recruitment", "forces", "withdrawals", "holds", "offensives"):
            assert f"# {key} = " in text
        from attrition.battles.bakhmut.params import PARAMS

        params = [ln[2:].split("#")[0] for ln in text.splitlines() if ln.startswith("# ")]
        named = {ln.split("=")[0].strip() for ln in params if "=" in ln}
        assert {p.name for p in PARAMS} <= named
        live = text.replace("\n# " + PARAMS[0].name, "\n" + PARAMS[0].name)
        for p in PARAMS[1:]:
            live = live.replace(f"\n# {p.name} =", f"\n{p.name} =")
        (tmp_path / "live.toml").write_text(live, encoding="utf-8")
        assert set(load_scenario(tmp_path / "live.toml").parameters) == {p.name for p in PARAMS}
    else:
        for key in ("law", "days", "p", "q", "aimed", "method", "runs", "seed", "substeps"):
            assert f"{key} = " in text, key
        for key in ("epsilon", "breakpoint", "[[schedule]]", "[uncertain.", "quantities"):
            assert key in text, key
        res = json.loads(ok("scenario", "run", str(path), "--runs", "10", "--json"))
        assert res["runs"] == 10
    # never overwritten: the file stays as it was
    line = fails("scenario", "new", "my-what-if", "--kind", kind)
    assert "exists; give another file name" in line
    assert path.read_text(encoding="utf-8") == text
    assert "unknown kind 'tank'" in fails("scenario", "new", "x", "--kind", "tank")
    assert "letters, digits" in fails("scenario", "new", "../x", "--kind", kind)


# --- fitters' repr ------------------------------------------------------------------------------


def test_fitters_print_their_constructor_parameters() -> None:
    from attrition.infer.engel import EngelFitter
    from attrition.infer.least_squares import LeastSquaresFitter
    from attrition.infer.likelihood import MaximumLikelihoodFitter
    from attrition.infer.regression import RatioRegression

    ls = LeastSquaresFitter("linear", target="cumulative", seed=3)
    assert repr(ls) == (
        "LeastSquaresFitter(law='linear', target='cumulative', mode='auto', aimed=0, "
        "n_starts=6, level=0.95, seed=3)"
    )
    namespace = {
        "LeastSquaresFitter": LeastSquaresFitter,
        "MaximumLikelihoodFitter": MaximumLikelihoodFitter,
    }
    mle = MaximumLikelihoodFitter("power", dist="poisson", level=None)
    for fitter in (ls, mle):
        again = eval(repr(fitter), namespace)
        assert again.get_params() == fitter.get_params()
    assert repr(EngelFitter()) == "EngelFitter()"
    assert repr(RatioRegression()) == "RatioRegression()"


# --- the packaged duel with uncertain inputs ----------------------------------------------------


def test_duel_uncertain_runs_a_sensitivity_analysis() -> None:
    from attrition.battles import load_scenario

    spec = load_scenario("duel-uncertain")
    assert spec.uncertain  # the README's sensitivity example needs [uncertain] inputs
    args = ["sensitivity", "duel-uncertain", "--samples", "16", "--engine", "ode"]
    res = json.loads(ok(*args, "--method", "sobol", "--json"))
    assert res
    text = ok(*args, "--format", "csv")
    assert text.splitlines()[0].startswith("quantity,input,index,value")


# --- estimate --period (a small fit of the toy battle) -------------------------------------------


@pytest.fixture(scope="module")
def toy_claims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from attrition.data.claims import claims_to_csv
    from attrition.data.schema import CLAIM_COLUMNS
    from attrition.infer.validate import toy_battle

    claims = toy_battle().claims.reindex(columns=list(CLAIM_COLUMNS), fill_value="")
    path = tmp_path_factory.mktemp("toy") / "claims.csv"
    path.write_text(claims_to_csv(claims), encoding="utf-8")
    return path


SMALL = ["--draws", "200", "--chains", "2"]


def test_estimate_period_checks_before_the_fit(toy_claims: Path) -> None:
    line = fails("estimate", "--claims", str(toy_claims), "--period", "2023-01-01", "2023-01-31")
    assert "--period 2023-01-01 2023-01-31: outside the battle window" in line
    line = fails("estimate", "--claims", str(toy_claims), "--period", "2024-01-20", "2024-01-10")
    assert "the end is before the start" in line


def test_estimate_period_is_the_share_of_the_whole_fit(toy_claims: Path) -> None:
    pytest.importorskip("numpyro")
    import warnings

    base = ["estimate", "--claims", str(toy_claims), *SMALL]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small draws: the effective sample size warning
        first = json.loads(ok(*base, "--period", "2024-01-01", "2024-01-14", "--json"))
        second = json.loads(ok(*base, "--period", "2024-01-15", "2024-01-28", "--json"))
        text = ok(*base, "--period", "2024-01-01", "2024-01-14")
        rows = list(csv.DictReader(io.StringIO(ok(*base, "--format", "csv"))))
    whole = first["sides"]
    assert first["sides"] == second["sides"]  # the same whole-battle fit
    for side in ("RU", "UA"):
        a = first["period"]["sides"][side]
        b = second["period"]["sides"][side]
        # two halves: medians below the whole, shares between 0 and 1 that roughly add up
        assert a["casualties"]["median"] < whole[side]["casualties"]["median"]
        assert 0 < a["share_of_window"]["q05"] <= a["share_of_window"]["q95"] < 1
        total = a["share_of_window"]["median"] + b["share_of_window"]["median"]
        assert total == pytest.approx(1.0, abs=0.1)
    assert first["period"]["days"] == 14
    assert "Period 2024-01-01..2024-01-14 (14 days)" in text
    assert "share of window" in text
    got = {(r["side"], r["quantity"]): float(r["median"]) for r in rows}
    assert got[("RU", "casualties")] == whole["RU"]["casualties"]["median"]


def test_estimate_window_warns_about_the_claims_it_clips(toy_claims: Path) -> None:
    pytest.importorskip("numpyro")
    from attrition.cli.estimate import EstimateOptions, _load, check_estimate
    from attrition.errors import DataWarning

    claims, phases, spec = _load(None, toy_claims)
    options = EstimateOptions(window=("2024-01-08", "2024-01-21"))
    with pytest.warns(DataWarning, match=r"claim\(s\) speak of periods reaching beyond") as rec:
        check_estimate(claims, phases, options, spec)
    message = str(next(r.message for r in rec if "clipped" in str(r.message)))
    assert "\n" not in message
    assert "inflates the window's totals" in message
    assert "--period 2024-01-08 2024-01-21" in message
