"""The joint fusion reads its sides, leaves, priors and stream roles from battle.toml (issue 13):
the layout of each packaged battle, the [fusion] table's checks, and no side id in the code."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from attrition.data.battle import read_battle_toml
from attrition.data.claims import battle_spec, load_claims, load_phases
from attrition.errors import UserError
from attrition.infer.fusion.joint import JointFog
from attrition.infer.fusion.joint_layout import (
    DEFAULT_KILLED_SHARE,
    JointLayout,
    joint_battle,
)
from attrition.infer.fusion.joint_model import dense_sites, joint_latent_sites

FUSION = Path(__file__).resolve().parents[2] / "src" / "attrition" / "infer" / "fusion"
PACKAGED = ("bakhmut", "avdiivka")


def test_bakhmut_layout_is_the_former_constants() -> None:
    """The layout derived from Bakhmut's battle.toml equals the constants the joint model had
    before (BASIS_SUBJECTS, COMPONENT_ORDER, SUBJECT_COMPONENTS; Russia front-pinned)."""
    jb = joint_battle(battle_spec("bakhmut"))
    lay = jb.layout
    assert lay.sides == ("RU", "UA")
    assert lay.subjects == (
        "RU",
        "UA",
        "BOTH",
        "WAGNER",
        "WAGNER_CONVICTS",
        "WAGNER_CONTRACT",
        "RU_REGULAR",
    )
    assert lay.leaf_order == ("WAGNER_CONVICTS", "WAGNER_CONTRACT", "RU_REGULAR", "UA")
    assert lay.subject_leaves == (
        (1, 1, 1, 0),
        (0, 0, 0, 1),
        (1, 1, 1, 1),
        (1, 1, 0, 0),
        (1, 0, 0, 0),
        (0, 1, 0, 0),
        (0, 0, 1, 0),
    )
    assert lay.pinned == (True, False)
    assert lay.remainder == ("RU_REGULAR", "")
    # the former JointPriors values, now battle data with their reasons
    assert [k for k, _ in jb.killed] == [(5.0, 5.0), (3.0, 7.0), (2.5, 7.5), (2.5, 7.5)]
    assert all(why for _, why in jb.killed)
    assert jb.at_battle[0][0] == (2.0, 2.0, 2.0)
    assert jb.elsewhere[0][0] == (1.0, 19.0)
    assert jb.streams == ("genstaff", "named-dead")
    assert jb.group_sides == {"UA_GENSTAFF": "UA"}
    assert jb.role("genstaff", "RU").replaces == "ua-genstaff-"  # type: ignore[union-attr]
    # the sites keep their order (so fits are bit-identical to the former model)
    assert dense_sites(lay) == (
        "a_level",
        "b_level",
        "beta",
        "named_ratio",
        "killed_share",
        "pi_0",
        "omega_0",
    )
    assert "pi_0" in joint_latent_sites(lay)
    assert hash(lay) == hash(JointLayout(*lay))  # static: one compiled sampler per layout


def test_battles_of_one_shape_share_a_compiled_sampler() -> None:
    from attrition.infer.fusion.joint_synth import synthetic_spec

    bakhmut = joint_battle(battle_spec("bakhmut")).layout
    synthetic = joint_battle(synthetic_spec()).layout
    assert bakhmut.sides != synthetic.sides
    assert bakhmut.canonical() == synthetic.canonical()
    avdiivka = joint_battle(battle_spec("avdiivka")).layout
    assert avdiivka.canonical() != bakhmut.canonical()


def test_streams_read_decide_which_front_is_pinned() -> None:
    spec = battle_spec("bakhmut")
    assert joint_battle(spec, ["genstaff"]).layout.pinned == (False, False)
    assert joint_battle(spec, []).streams == ()
    with pytest.raises(UserError, match=r"stream 'oryx' has no role .*battle\.toml"):
        joint_battle(spec, ["oryx"])


def test_avdiivka_layout_one_leaf_per_side_and_no_streams() -> None:
    jb = joint_battle(battle_spec("avdiivka"))
    assert jb.layout.leaves == (("RU",), ("UA",))
    assert jb.layout.split_sides == ()
    assert jb.layout.pinned == (False, False)
    assert jb.streams == ()
    assert [k for k, _ in jb.killed] == [(2.5, 7.5), (2.5, 7.5)]
    assert "named_ratio" not in joint_latent_sites(jb.layout)


def _battle(tmp_path: Path, fusion: str, sides: str | None = None) -> Path:
    sides = sides or (
        '[[sides]]\nid = "A"\nlabel = "A"\ncomponents = [{ id = "A1", label = "a1" }]\n'
        'remainder = { id = "A_REST", label = "rest" }\n\n'
        '[[sides]]\nid = "B"\nlabel = "B"\n'
    )
    path = tmp_path / "battle.toml"
    path.write_text(
        '[battle]\nid = "t"\nname = "Test"\nstart = "2024-01-01"\nend = "2024-02-01"\n\n'
        + sides
        + "\n"
        + fusion
    )
    return path


@pytest.mark.parametrize(
    ("fusion", "key"),
    [
        ('[fusion.killed_share]\nNOPE = { shapes = [1, 2], reason = "x" }\n', "NOPE"),
        ("[fusion.killed_share]\nA1 = { shapes = [1, 2] }\n", "killed_share.A1.reason"),
        ('[fusion.killed_share]\nB = { shapes = [1, -2], reason = "x" }\n', "killed_share.B"),
        ('[fusion.split.B]\nat_battle = { shapes = [1, 1], reason = "x" }\n', "'B'"),
        ('[fusion.split.A]\nat_battle = { shapes = [1, 1, 1], reason = "x" }\n', "at_battle"),
        ("[fusion]\nnope = 1\n", "nope"),
        (
            '[[fusion.streams]]\nstream = "named-dead"\nside = "C"\nrole = "named_ratio"\n',
            "'side'",
        ),
        (
            '[[fusion.streams]]\nstream = "genstaff"\nside = "A"\nrole = "claimant"\n',
            "group",
        ),
        ('[[fusion.streams]]\nstream = "x"\nside = "A"\nrole = "guess"\n', "role"),
    ],
)
def test_a_bad_fusion_key_is_one_line_naming_file_and_key(
    tmp_path: Path, fusion: str, key: str
) -> None:
    path = _battle(tmp_path, fusion)
    with pytest.raises(UserError) as err:
        read_battle_toml(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert str(path) in msg
    assert "fusion" in msg, msg
    assert key in msg, msg
    assert err.value.exit_code == 2


def test_a_good_fusion_table_and_defaults(tmp_path: Path) -> None:
    spec = read_battle_toml(
        _battle(tmp_path, '[fusion.killed_share]\nA1 = { shapes = [4, 6], reason = "why" }\n')
    )
    jb = joint_battle(spec)
    assert jb.layout.leaves == (("A1", "A_REST"), ("B",))
    assert jb.killed[0] == ((4.0, 6.0), "why")
    assert jb.killed[1] == DEFAULT_KILLED_SHARE  # leaves the table does not name
    assert jb.at_battle[0][0] == (2.0, 2.0)
    assert jb.streams == ()


def test_three_sides_are_refused_naming_battle_toml(tmp_path: Path) -> None:
    sides = "".join(f'[[sides]]\nid = "{s}"\nlabel = "{s}"\n\n' for s in ("A", "B", "C"))
    spec = read_battle_toml(_battle(tmp_path, "", sides))
    with pytest.raises(UserError, match=r"battle\.toml has 3 \[\[sides\]\].*exactly two"):
        joint_battle(spec)


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """String literals of a module outside docstrings (comments are not tokens of code)."""
    text = path.read_text()
    docs: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            docs.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING and tok.start[0] not in docs:
            out.append((tok.start[0], tok.string))
    return out


def test_generic_joint_code_names_no_side_of_a_packaged_battle() -> None:
    ids: set[str] = set()
    for name in PACKAGED:
        spec = battle_spec(name)
        assert spec is not None
        ids |= set(spec.side_ids) | set(spec.claim_components)
        ids |= {r.group for r in spec.fusion.streams if r.group}
    assert {"RU", "UA", "WAGNER", "RU_REGULAR", "UA_GENSTAFF"} <= ids
    pattern = re.compile(r"\b(" + "|".join(sorted(ids, key=len, reverse=True)) + r")\b")
    files = [*sorted(FUSION.glob("joint*.py")), FUSION / "lineage.py"]
    assert len(files) >= 6
    hits = [
        f"{path.name}:{line}: {s}"
        for path in files
        for line, s in _code_strings(path)
        if pattern.search(s)
    ]
    assert not hits, hits


@pytest.mark.slow
def test_avdiivka_fits() -> None:
    """Avdiivka (sides RU and UA, no components, no stream roles) fits end to end."""
    fog = JointFog(seed=1, draws=40, warmup=40, chains=2, warn=False).fit(
        load_claims("avdiivka"), load_phases("avdiivka")
    )
    assert fog.streams_read_ == ()
    assert set(fog.killed_share_) == {"RU", "UA"}
    assert fog.named_ratio_ is None
    frame = fog.to_frame()
    assert set(frame["side"]) == {"RU", "UA"}
    ru = fog.total("RU", "casualties", "city")
    assert 0 < ru["q05"] <= ru["median"] <= ru["q95"]
    for side in ("RU", "UA"):
        assert (fog.monthly_draws("city", side) <= fog.monthly_draws("front", side) + 1e-6).all()
    assert fog.summary()["battle"] == "avdiivka"
