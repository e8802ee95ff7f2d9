"""A YAML file nested absurdly deep, or holding an absurd number of values, is refused at its line, not crashed on.

pyyaml composes each level of nesting in a recursive call, so a tool nested 400 deep used to
end 'maa tools check' (and opening an audit) with "unexpected problem (RecursionError)".
"""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.definitions import yamlio
from maa_cli.definitions.catalog import builtin_ids
from maa_cli.definitions.yamlio import MAX_DEPTH, MAX_NODES, load_located
from maa_cli.errors import DefinitionError, ErrorCode
from maa_cli.resources import bundled
from maa_cli.setup.workspace import open_workspace

TOOL_START = 'id: deep\ntitle: Deep\nversion: "1"\nkind: questionnaire\n'


def _problem(text: str, file: str = "tool.yaml"):
    with pytest.raises(DefinitionError) as caught:
        load_located(text, file)
    (p,) = caught.value.problems
    return p


def _block(depth: int) -> str:
    """A mapping nested ``depth`` levels deep in block style (indentation), as a hand edit gone wrong would be."""
    return "".join("  " * i + f"k{i}:\n" for i in range(depth - 1)) + "  " * (depth - 1) + "last: 1\n"


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _depth(node) -> int:
    return 1 + max([_depth(c) for c in _children(node) if not isinstance(c, yaml.ScalarNode)], default=0)


def _count(node) -> int:
    return 1 + sum(_count(c) for c in _children(node))


class TestDeepNesting:
    def test_tools_check_names_the_line_of_a_tool_nested_400_deep(self, tmp_path):
        """'maa tools check' on a tool nested 400 deep exits 2 with 'nested more than 32 levels deep' at the line it happens."""
        path = tmp_path / "deep.yaml"
        path.write_text(TOOL_START + "sections:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(400)) + "  x: 1\n")
        result = CliRunner().invoke(app, ["tools", "check", str(path)])
        assert result.exit_code == 2 and "RecursionError" not in result.output
        text = " ".join(result.output.split())
        assert f"line {5 + MAX_DEPTH}" in text and f"nested more than {MAX_DEPTH} levels deep" in text

    def test_a_million_opening_brackets_are_refused_at_once(self):
        """'[' a million times (1 MB, inside the size limit) is refused as too deep at line 1, not recursed into."""
        p = _problem(TOOL_START + "sections: " + "[" * 1_000_000)
        assert (p.code, p.line, p.params["limit"]) == (ErrorCode.YAML_TOO_DEEP, 5, MAX_DEPTH)

    def test_nesting_at_the_limit_is_read_and_one_more_level_is_not(self):
        """A file nested exactly MAX_DEPTH levels loads; one level more is refused at the line of the extra level."""
        assert load_located(_block(MAX_DEPTH), "ok.yaml").data
        p = _problem(_block(MAX_DEPTH + 1))
        assert (p.code, p.line, p.file) == (ErrorCode.YAML_TOO_DEEP, MAX_DEPTH + 1, "tool.yaml")

    def test_an_audit_yaml_nested_too_deep_is_refused_when_the_audit_is_opened(self, tmp_path):
        """Opening an audit whose audit.yaml was edited into deep nesting names audit.yaml and the line."""
        (tmp_path / "audit.yaml").write_text("title: x\nselection:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(300)) + "  x: 1\n")
        with pytest.raises(DefinitionError) as caught:
            open_workspace(tmp_path)
        (p,) = caught.value.problems
        assert p.code is ErrorCode.YAML_TOO_DEEP and p.file.endswith("audit.yaml") and p.line == 2 + MAX_DEPTH

    def test_every_builtin_tool_nests_far_less_than_the_limit(self):
        """The built-in tools nest at most a quarter of MAX_DEPTH and hold well under a hundredth of MAX_NODES."""
        for tool_id in builtin_ids():
            node = yaml.compose(bundled("audit_tools").joinpath(f"{tool_id}.yaml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
            assert _depth(node) <= MAX_DEPTH // 4, tool_id
            assert _count(node) < MAX_NODES // 100, tool_id


class TestManyValues:
    def test_a_file_with_more_values_than_the_limit_is_refused_at_the_value_that_passes_it(self, monkeypatch):
        """With the limit set to 50, a list of 60 values is refused at the line of the value past it, saying what to check."""
        monkeypatch.setattr(yamlio, "MAX_NODES", 50)
        p = _problem("values:\n" + "".join(f"  - {i}\n" for i in range(60)))
        assert (p.code, p.params["limit"]) == (ErrorCode.YAML_TOO_BIG, 50)
        assert p.line == 49  # the mapping, the key and 47 values came first
        assert "right file" in p.hint

    def test_the_value_limit_applies_to_audit_yaml_too(self, tmp_path, monkeypatch):
        """Opening an audit whose audit.yaml holds more values than the limit names audit.yaml."""
        monkeypatch.setattr(yamlio, "MAX_NODES", 50)
        (tmp_path / "audit.yaml").write_text("names_to_mask:\n" + "".join(f"  - Name {i}\n" for i in range(60)))
        with pytest.raises(DefinitionError) as caught:
            open_workspace(tmp_path)
        assert caught.value.problems[0].code is ErrorCode.YAML_TOO_BIG
