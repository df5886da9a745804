"""The generated listings: ``pushpull interventions`` and ``docs/reference.md`` read the
declarations, so a new component, lever, outcome or column appears with no other edit."""

from conftest import ROOT

from pushpull_sim.catalog import format_components, reference_markdown
from pushpull_sim.cli import main
from pushpull_sim.components import components
from pushpull_sim.levers import LEVERS
from pushpull_sim.outcomes import OUTCOMES
from pushpull_sim.recording import timeseries_columns


def test_the_reference_in_docs_is_the_generated_one():
    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert text == reference_markdown(), (
        "docs/reference.md is stale: run `pushpull interventions --markdown > docs/reference.md`"
    )


def test_the_reference_lists_every_declaration():
    text = reference_markdown()
    for cls in components():
        assert f"### `{cls.kind}`" in text
        for name in cls.Params.model_fields:
            assert name == "type" or f"| `{name}` |" in text
    for lever in LEVERS:
        assert f"| `{lever.name}` |" in text
    for name, o in OUTCOMES.items():
        assert f"| `{name}` | {o.unit} |" in text
    for column in timeseries_columns()[1:]:  # after households
        assert f"| `{column}` |" in text


def test_the_interventions_command_lists_every_component_and_the_markdown(capsys):
    assert main(["interventions"]) == 0
    out = capsys.readouterr().out
    assert out == format_components()
    for cls in components():
        assert f"\n{cls.kind}: {cls.describe()}" in "\n" + out
    assert "Targeting rules (programme.targeting" in out
    assert "elite_capture_share = 0.05" in out and "Alatas et al. 2013" in out
    assert main(["interventions", "--markdown"]) == 0
    assert capsys.readouterr().out == reference_markdown()


def test_every_listed_default_pastes_into_a_scenario_file_as_valid_toml(capsys):
    """``pushpull interventions`` prints TOML literals (``true``, ``"pmt"``), not Python
    values (``True``, ``'pmt'``): each parameter line parses to its default, and an unset
    default is a comment line."""
    import tomllib

    assert main(["interventions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    kinds = {cls.kind: cls for cls in components()}
    checked = unset = 0
    cls = None
    for line in lines:
        head = line.split(":", 1)[0]
        if head in kinds:
            cls = kinds[head]
            continue
        if not line.startswith("  ") or line.lstrip().startswith(("household ", "timeseries ")):
            continue
        parsed = tomllib.loads(line)  # the whole line, its description a comment
        name = line.split()[1] if line.lstrip().startswith("#") else line.split()[0]
        default = cls.Params.model_fields[name].default
        if default is None:
            assert parsed == {} and "(unset by default)" in line
            unset += 1
        else:
            assert parsed == {name: default}, line
        checked += 1
    assert checked == sum(
        len(c.Params.model_fields) - ("type" in c.Params.model_fields) for c in components()
    )
    assert unset >= 1
    assert any(line.startswith("  lasts_after_project = true  # ") for line in lines)
