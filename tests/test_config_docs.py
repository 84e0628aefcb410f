"""The operators' documentation of app.yaml names exactly the keys the config schema reads:
app.yaml's comments for the core sections, each feature module's docstring example for its
own. Kept apart from test_config_schema (core.config's own tests) because it reads
app.yaml from the checkout, which the mutation runs' scratch copies do not hold."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import yaml

from recovery_bot.commands import config as commands_config
from recovery_bot.core.config import (
    AppConfig,
    BotConfig,
    GitHubConfig,
    LabelsConfig,
    MaintainersConfig,
    PyPIConfig,
    ServerConfig,
    keys,
)
from recovery_bot.digest import config as digest_config
from recovery_bot.sla import config as sla_config


def _docstring_shape(doc: str) -> dict[str, Any]:
    """The YAML example in a section module's docstring (a ```yaml fence or a ``::`` block)."""
    if "```yaml\n" in doc:
        text = doc.split("```yaml\n")[1].split("```")[0]
    else:
        block = doc.split("::\n\n", 1)[1].splitlines()
        ends = (i for i, line in enumerate(block) if line and not line.startswith(" "))
        end = next(ends, len(block))
        text = textwrap.dedent("\n".join(block[:end]))
    shape: dict[str, Any] = yaml.safe_load(text)
    return shape


def test_documented_keys_are_the_fields() -> None:
    """The operators' documentation (app.yaml's comments for the core sections, each
    feature module's example for its own) names exactly the keys the fields declare, so
    a key added, renamed or dropped in one place shows up here."""
    app_yaml = yaml.safe_load((Path(__file__).parent.parent / "app.yaml").read_text())
    assert set(app_yaml) == set(keys(AppConfig))
    core = [BotConfig, MaintainersConfig, LabelsConfig, PyPIConfig, GitHubConfig, ServerConfig]
    for name, cls in zip(keys(AppConfig)[1:7], core, strict=True):
        assert sorted(app_yaml[name]) == sorted(keys(cls)), name

    sla = _docstring_shape(sla_config.__doc__ or "")["sla"]
    assert sorted(sla) == sorted(keys(sla_config.SlaConfig))
    assert sorted(sla["labels"]) == sorted(keys(sla_config.SlaLabels))
    assert sorted(sla["forms"]["account-recovery"]) == sorted(keys(sla_config.FormSla))
    commands = _docstring_shape(commands_config.__doc__ or "")["commands"]
    assert sorted(commands) == sorted(keys(commands_config.CommandsConfig))
    reply = commands["replies"]["contact-support"]
    assert sorted(reply) == sorted(keys(commands_config.SavedReply))
    target = commands["wrong_form"]["warehouse"]
    assert sorted(target) == sorted(keys(commands_config.WrongFormTarget))
    digest = _docstring_shape(digest_config.__doc__ or "")["digest"]
    assert sorted(digest) == sorted(keys(digest_config.DigestConfig))
