from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import default_toml, load_config, write_default
from hub.exceptions import ConfigError


def test_defaults_come_from_the_commented_template(tmp_path: Path) -> None:
    cfg = load_config(None, env={}, workspace=tmp_path)
    assert cfg.db_path == tmp_path / "data" / "hub.duckdb"
    assert {t.id for t in cfg.topics} >= {"agents", "rag", "inference", "evals", "reasoning"}
    assert cfg.rank.weights["hn_points"] > 0
    assert cfg.llm.enabled is False
    assert "# " in default_toml()  # commented for humans


def test_init_writes_a_loadable_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = write_default(tmp_path / "hub.toml")
    cfg = load_config(path, env={})
    assert cfg.workspace == tmp_path.resolve()
    with pytest.raises(ConfigError, match="already exists"):
        write_default(path)


def test_db_override_and_env(tmp_path: Path) -> None:
    path = write_default(tmp_path / "hub.toml")
    assert load_config(path, db=tmp_path / "x.duckdb", env={}).db_path == tmp_path / "x.duckdb"
    assert load_config(path, env={"HUB_DB": str(tmp_path / "y.duckdb")}).db_path == tmp_path / "y.duckdb"
    cfg = load_config(path, env={"HUB_LLM__MODEL": "llama3.1", "HUB_DIGEST__LIMIT": "12"})
    assert cfg.llm.model == "llama3.1"
    assert cfg.digest.limit == 12


def test_user_file_overrides_and_secrets_stay_in_env(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[llm]\nmodel = "m"\napi_key_env = "MY_KEY"\n[[topics]]\nid = "x"\nname = "X"\n')
    cfg = load_config(path, env={})
    assert cfg.llm.model == "m"
    assert [t.id for t in cfg.topics] == ["x"]  # lists of tables replace the defaults
    assert "MY_KEY" not in cfg.model_dump_json().replace('"api_key_env":"MY_KEY"', "")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[digest]\nlimit = 0\n", "digest.limit"),
        ("[site]\nurl = 'ftp://x'\n", "site.url"),
        ("[digest\n", "not valid TOML"),
        ("[nope]\nx = 1\n", "nope"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nurl = 'file:///etc/passwd'\n", "sources.0.url"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nurl = 'javascript:alert(1)'\n", "http:// or https://"),
        ("[[topics]]\nid = 'x'\nname = 'X'\nweight = 2\n", "topics.0.weight"),
        ("[digest]\nmin_papers = -1\n", "digest.min_papers"),
    ],
)
def test_invalid_config_names_the_field(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_config(path, env={})
