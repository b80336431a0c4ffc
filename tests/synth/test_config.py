"""Unit tests of the settings object (no synth)."""

import pytest

from modules.config import ConfigError, Settings


def test_defaults_are_valid_and_enable_the_api_key():
    s = Settings()
    assert s.api_key_enabled
    assert s.provider_floor == "3.39.0"


def test_iam_only_disables_the_key_and_switches_raise_the_floor():
    s = Settings(authentication_type="AWS_IAM", deletion_protection=True)
    assert not s.api_key_enabled
    assert s.provider_floor == "4.59.0"
    assert Settings(query_depth_limit=5).provider_floor == "5.37.0"


@pytest.mark.parametrize("kwargs, fragment", [
    ({"region": "mars-1"}, "region='mars-1' is invalid"),
    ({"tags": {"aws:owner": "x"}}, "must not start with 'aws:'"),
    ({"log_retention_days": "30"}, "expected int, got str"),
    ({"xray_enabled": "yes"}, "expected bool, got str"),
    ({"api_key_expiry_days": True}, "expected int, got bool"),
    ({"additional_authentication_types": ["API_KEY"]}, "additional_authentication_types"),
    ({"query_depth_limit": 99}, "query_depth_limit=99 is invalid"),
])
def test_bad_values_are_refused_with_the_key_and_the_fix(kwargs, fragment):
    with pytest.raises(ConfigError, match="is invalid") as err:
        Settings(**kwargs)
    assert fragment in str(err.value)
