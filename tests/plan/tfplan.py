"""Plan the examples offline with tftest and flatten the plan for inventory checks.

Used by the session fixtures in conftest.py and by `make plan` (`python -m tests.plan.tfplan`).
Each example is staged into a temporary tree that mirrors the repository layout
(examples/<name>/ beside terraform/<module>/), so `source = "../../terraform/model-api"` still
resolves, with the module JSON of the synth under test (the committed copy equals a fresh synth:
tests/synth/test_published.py), and nothing (.terraform/, lock file, state, the test-only
provider override, the test inputs) is written into the working tree.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import tftest
import yaml

from modules.api import KEY_CLOCK
from modules.publish import MODULES, PUBLISH_DIR

ROOT = Path(__file__).resolve().parents[2]
TF_HOME = ROOT / ".make" / "terraform"
EXAMPLES_DIR = ROOT / "examples"
INVENTORIES = Path(__file__).with_name("inventories")
UNKNOWN = "__unknown__"  # value known only after apply
MISSING = "__missing__"  # inventory marker: the attribute must be absent (or null)
# Attributes holding JSON policy documents: decoded so inventories can match their structure.
POLICY_ATTRS = ("policy", "assume_role_policy")
PROVIDER = "registry.terraform.io/hashicorp/aws"

# Test-only provider settings: fake keys and no AWS calls. Users never see these (they are
# written into the staged copy as an override file), so the examples stay copyable.
OFFLINE_PROVIDER = """\
provider "aws" {
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
%s}
"""
# Providers before 5.0 call ec2:DescribeAccountAttributes at start-up unless told not to, and
# retry it for ~20 s offline; 5.0 removed the argument (and the call).
EC2_PLATFORMS = "  skip_get_ec2_platforms      = true\n"


class Skip(Exception):
    """The example cannot plan with the installed toolchain (message says why)."""


# --- versions ------------------------------------------------------------------------------


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("-")[0])[:3])


def fmt(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def satisfies(version: tuple[int, ...], constraint: str) -> bool:
    """Terraform version constraint check (=, !=, >, >=, <, <=, ~>), comma-separated."""
    for part in filter(None, (p.strip() for p in constraint.split(","))):
        op, _, ver = re.match(r"(~>|>=|<=|!=|=|>|<)?\s*(\S+)", part).group(1, 0, 2)
        want = parse_version(ver)
        have = version[: len(want)] if op == "~>" else version
        ok = {
            None: version == want, "=": version == want, "!=": version != want,
            ">": version > want, ">=": version >= want, "<": version < want,
            "<=": version <= want,
            # ~> 3.39.0 means >= 3.39.0, < 3.40; ~> 3.39 means >= 3.39, < 4
            "~>": version >= want and have[:-1] == want[:-1],
        }[op]
        if not ok:
            return False
    return True


def terraform_binary() -> str:
    """$TERRAFORM (set by mk/terraform.mk), else the toolchain's link, else terraform on PATH."""
    for candidate in (os.environ.get("TERRAFORM"), TF_HOME / "bin" / "terraform"):
        if candidate and os.access(candidate, os.X_OK):
            return str(Path(candidate).absolute())  # tftest runs it from the staged example
    found = shutil.which("terraform")
    if not found:
        raise Skip("no terraform: run `make terraform-toolchain` (or set TERRAFORM)")
    return found


def cli_config() -> Path:
    """The toolchain's CLI config: providers from the filesystem mirror(s) only, never the net."""
    path = TF_HOME / "terraformrc"
    if not path.is_file():
        raise Skip(f"{path.relative_to(ROOT)} missing: run `make terraform-toolchain`")
    return path


def terraform_version(binary: str, env: dict[str, str]) -> tuple[int, ...]:
    out = subprocess.run([binary, "version"], env=env, capture_output=True, text=True,
                         check=True).stdout
    return parse_version(re.search(r"Terraform v(\S+)", out).group(1))


def mirrored_versions(config: Path) -> list[tuple[int, ...]]:
    """hashicorp/aws versions in the config's filesystem mirrors (packed or unpacked layout)."""
    found = set()
    for mirror in re.findall(r'path\s*=\s*"([^"]+)"', config.read_text()):
        base = Path(mirror) / "registry.terraform.io" / "hashicorp" / "aws"
        for item in base.glob("*"):
            match = re.match(r"(?:terraform-provider-aws_)?(\d+\.\d+\.\d+)", item.name)
            if match:
                found.add(parse_version(match.group(1)))
    return sorted(found, reverse=True)


def aws_constraints(tf_json_or_dir: Path) -> list[str]:
    """required_providers.aws.version of a module (cdk.tf.json) or of an example's *.tf."""
    if tf_json_or_dir.suffix == ".json":
        doc = json.loads(tf_json_or_dir.read_text())
        aws = doc.get("terraform", {}).get("required_providers", {}).get("aws", {})
        return [aws["version"]] if isinstance(aws, dict) and "version" in aws else []
    text = "\n".join(p.read_text() for p in sorted(tf_json_or_dir.glob("*.tf")))
    block = re.search(r"aws\s*=\s*\{[^}]*\}", text)
    match = block and re.search(r'version\s*=\s*"([^"]+)"', block.group(0))
    return [match.group(1)] if match else []


def example_folder(example: Path) -> str:
    """The committed module folder (terraform/<folder>) the example's module block points at."""
    text = "\n".join(p.read_text() for p in sorted(example.glob("*.tf")))
    match = re.search(r'source\s*=\s*"\.\./\.\./' + PUBLISH_DIR + r'/([^"/]+)"', text)
    if not match or match.group(1) not in MODULES:
        raise ValueError(f"{example}: no `source = \"../../{PUBLISH_DIR}/<module>\"` naming one "
                         f"of {', '.join(MODULES)}")
    return match.group(1)


def example_module(example: Path) -> str:
    """The synthesized stack (cdktf.out/stacks/<name>) behind the example's module folder."""
    return MODULES[example_folder(example)]


def example_variables(example: str) -> dict[str, str]:
    """Values for the example's required variables (test values: `variables` in its inventory)."""
    path = INVENTORIES / f"{example}.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text()).get("variables") or {}


# --- staging -------------------------------------------------------------------------------


def downlevel(doc: dict, tf_version: tuple[int, ...]) -> list[str]:
    """Drop variable features an old Terraform cannot parse; returns what was dropped.

    Only the PyPI fallback (Terraform 0.15) needs this: `nullable` came in 1.1, validation
    conditions that name another variable in 1.9, plantimestamp() in 1.5. The plan itself is
    unchanged by these (the examples pass valid, non-null values); what is dropped or replaced
    is reported, never hidden.
    """
    nullable, cross = [], []
    for name, var in doc.get("variable", {}).items():
        if tf_version < (1, 1) and var.pop("nullable", None) is not None:
            nullable.append(name)
        if tf_version < (1, 9) and "validation" in var:
            own = [rule for rule in var["validation"]
                   if set(re.findall(r"var\.(\w+)", rule["condition"])) <= {name}]
            if len(own) < len(var["validation"]):
                cross.append(name)
            var["validation"] = own
            if not own:
                del var["validation"]
    version = fmt(tf_version)
    notes = []
    # plantimestamp() (the API key rotation's clock) came in 1.5: the plan's own start time,
    # as a literal, plans the same keys.
    if tf_version < (1, 5) and doc.get("locals", {}).get(KEY_CLOCK) == "${plantimestamp()}":
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        doc["locals"][KEY_CLOCK] = now
        notes.append(f"terraform {version} lacks plantimestamp(): local.{KEY_CLOCK} = {now}")
    wanted = doc.get("terraform", {}).get("required_version")
    if wanted and not satisfies(tf_version, wanted):
        del doc["terraform"]["required_version"]
        notes.append(f"required_version {wanted} dropped for terraform {version}")
    return notes + ([f"terraform {version} lacks `nullable`: dropped on {', '.join(nullable)}"]
            if nullable else []) + (
        [f"terraform {version} lacks cross-variable validation: dropped on {', '.join(cross)}"]
        if cross else [])


def strip_arguments(doc: dict, strip: dict[str, list[str]]) -> list[str]:
    """Remove arguments {resource type: [names]} from a module; a name may be a block's
    argument, "block.name". Returns what went."""
    gone = []
    for rtype, names in strip.items():
        for rname, body in doc.get("resource", {}).get(rtype, {}).items():
            for name in names:
                *blocks, last = name.split(".")
                target = body
                for block in blocks:
                    target = target.get(block) if isinstance(target, dict) else None
                if isinstance(target, dict) and target.pop(last, None) is not None:
                    gone.append(f"{rtype}.{rname}.{name}")
    return gone


def stage(example: str, synth_dir: Path, dest: Path, tf_version: tuple[int, ...],
          provider: tuple[int, ...], force_provider: bool = False,
          strip: dict[str, list[str]] | None = None) -> tuple[Path, list[str]]:
    """Copy examples/<example> and the module it calls into dest; returns (tfdir, notes)."""
    src = EXAMPLES_DIR / example
    module = example_module(src)
    tfdir = dest / "examples" / example
    shutil.copytree(src, tfdir, ignore=shutil.ignore_patterns(
        ".terraform*", "*.tfstate*", "*_override.tf"))
    module_dir = dest / PUBLISH_DIR / example_folder(src)
    module_dir.mkdir(parents=True)
    doc = json.loads((synth_dir / "stacks" / module / "cdk.tf.json").read_text())
    notes = [f"{module}: {item}" for item in downlevel(doc, tf_version)]
    if strip:
        notes.append(f"{module}: removed {len(strip_arguments(doc, strip))} argument(s) newer "
                     f"than hashicorp/aws {fmt(provider)}")
    override = OFFLINE_PROVIDER % (EC2_PLATFORMS if provider < (5,) else "")
    wanted = re.search(r'required_version\s*=\s*"([^"]+)"',
                       "\n".join(p.read_text() for p in tfdir.glob("*.tf")))
    if wanted and not satisfies(tf_version, wanted.group(1)):
        # The PyPI fallback is older than the example asks for; features it lacks are dropped
        # from the module above and reported.
        override += 'terraform {\n  required_version = ">= 0.15"\n}\n'
        notes.append(f"example requires terraform {wanted.group(1)}: relaxed for {fmt(tf_version)}")
    if force_provider:
        # Floor probe: pin one provider, ignoring what the module and the example declare.
        pin = {"source": "hashicorp/aws", "version": f"= {fmt(provider)}"}
        doc.setdefault("terraform", {}).setdefault("required_providers", {})["aws"] = pin
        override += ('terraform {\n  required_providers {\n    aws = {\n'
                     f'      source  = "hashicorp/aws"\n      version = "= {fmt(provider)}"\n'
                     '    }\n  }\n}\n')
        notes.append(f"provider forced to {fmt(provider)}")
    (module_dir / "main.tf.json").write_text(json.dumps(doc, indent=2))
    (tfdir / "offline_override.tf").write_text(override)
    return tfdir, notes


# --- flattening ----------------------------------------------------------------------------


def _with_unknowns(after, unknown):
    """Overlay after_unknown on after: unknown leaves become UNKNOWN."""
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, dict):
        after = dict(after or {})
        for key, sub in unknown.items():
            if sub is not False:
                after[key] = _with_unknowns(after.get(key), sub)
        return after
    if isinstance(unknown, list) and isinstance(after, list):
        return [_with_unknowns(a, u) for a, u in zip(after, unknown, strict=False)] + after[
            len(unknown):]
    return after


def _decode_policies(values: dict) -> dict:
    for attr in POLICY_ATTRS:
        if isinstance(values.get(attr), str) and values[attr] != UNKNOWN:
            try:
                values[attr] = json.loads(values[attr])
            except json.JSONDecodeError:
                pass
    return values


def _alias(rtype: str, values: dict, role: str | None = None) -> str | None:
    """A key that survives renames of construct ids: the AWS-side name of the resource."""
    def known(key):
        value = values.get(key)
        return value if isinstance(value, str) and value != UNKNOWN else None
    if rtype == "aws_iam_role_policy" and role and known("name"):
        return f"{rtype}:{role}/{values['name']}"  # role only known through its reference
    if rtype == "aws_appsync_resolver" and known("type") and known("field"):
        return f"{rtype}:{values['type']}.{values['field']}"
    if rtype == "aws_iam_role_policy" and known("role") and known("name"):
        return f"{rtype}:{values['role']}/{values['name']}"
    if rtype == "aws_iam_role_policy_attachment" and known("role") and known("policy_arn"):
        return f"{rtype}:{values['role']}/{values['policy_arn'].rsplit('/', 1)[-1]}"
    name = known("alarm_name") if rtype == "aws_cloudwatch_metric_alarm" else known("name")
    return f"{rtype}:{name}" if name else None


def _role_references(raw: dict) -> dict[str, str]:
    """address of each aws_iam_role_policy -> address of the aws_iam_role it names."""
    found = {}

    def walk(module: dict, prefix: str) -> None:
        for res in module.get("resources", []):
            refs = res.get("expressions", {}).get("role", {}).get("references", [])
            roles = [r for r in refs if r.startswith("aws_iam_role.") and r.count(".") == 1]
            if res["type"] == "aws_iam_role_policy" and roles:
                found[f"{prefix}{res['address']}"] = f"{prefix}{roles[0]}"
        for name, call in module.get("module_calls", {}).items():
            walk(call.get("module", {}), f"{prefix}module.{name}.")

    walk(raw.get("configuration", {}).get("root_module", {}), "")
    return found


@dataclass
class PlanSummary:
    """A plan flattened the way cloud-foundation-fabric's tests read it."""

    example: str
    values: dict[str, dict] = field(default_factory=dict)  # address and aliases -> values
    counts: dict[str, int] = field(default_factory=dict)  # resource type -> planned instances
    outputs: dict[str, dict] = field(default_factory=dict)  # root outputs: sensitive, value
    module_outputs: dict[str, dict] = field(default_factory=dict)  # the module's declarations
    sources: dict[str, dict] = field(default_factory=dict, repr=False)  # address -> module JSON
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> address
    terraform: str = ""
    provider: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_plan(cls, example: str, raw: dict, module_doc: dict | None = None) -> PlanSummary:
        summary = cls(example=example, raw=raw, terraform=raw.get("terraform_version", ""))
        refs = _role_references(raw)
        counts: Counter[str] = Counter()
        by_alias: dict[str, list[str]] = {}
        by_type: dict[str, list[str]] = {}
        for change in raw.get("resource_changes", []):
            if change.get("mode") != "managed" or "create" not in change["change"]["actions"]:
                continue
            values = _decode_policies(_with_unknowns(
                change["change"].get("after"), change["change"].get("after_unknown", {})))
            address = change["address"]
            summary.values[address] = values
            prefix = change.get("module_address", "")
            if module_doc and prefix:
                block = module_doc.get("resource", {}).get(change["type"], {})
                summary.sources[address] = block.get(change["name"], {})
            counts[change["type"]] += 1
            by_type.setdefault(change["type"], []).append(address)
            role = refs.get(f"{prefix}.{change['type']}.{change['name']}".lstrip("."))
            role_values = summary.values.get(role) or {}
            alias = _alias(change["type"], values, role_values.get("name"))
            if alias:
                by_alias.setdefault(alias, []).append(address)
        # Unique aliases only; a type planned once is also reachable by its bare type name.
        for alias, addresses in {**by_alias, **by_type}.items():
            if len(addresses) == 1 and alias not in summary.values:
                summary.values[alias] = summary.values[addresses[0]]
                summary.aliases[alias] = addresses[0]
        summary.counts = dict(sorted(counts.items()))
        for name, out in raw.get("planned_values", {}).get("outputs", {}).items():
            change = raw.get("output_changes", {}).get(name, {})
            summary.outputs[name] = {
                "sensitive": out.get("sensitive", False),
                "value": out["value"] if "value" in out else UNKNOWN,
                "known": change.get("after_unknown") is not True,
            }
        for call in raw.get("configuration", {}).get("root_module", {}).get(
                "module_calls", {}).values():
            for name, out in call.get("module", {}).get("outputs", {}).items():
                summary.module_outputs[name] = {"sensitive": out.get("sensitive", False)}
        return summary

    def policy(self, key: str, attr: str = "policy") -> dict | None:
        """A policy document, decoded: from the plan, or when its value is known only after
        apply (it names ARNs), from the module's JSON with "${...}" references left as text;
        None when the module builds it with an expression."""
        address = self.aliases.get(key, key)
        value = self.values[key].get(attr)
        if isinstance(value, dict):
            return value
        try:
            return json.loads(self.sources[address][attr])
        except json.JSONDecodeError:
            return None  # an expression (jsonencode over variables): not decodable here

    def table(self) -> str:
        lines = [f"{self.example}: terraform {self.terraform}, hashicorp/aws {self.provider}, "
                 f"{sum(self.counts.values())} to create, plan {self.seconds:.1f} s"]
        lines += [f"  {count:3d}  {rtype}" for rtype, count in self.counts.items()]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


# --- inventory matching --------------------------------------------------------------------

_ABSENT = object()


def mismatches(expected, actual, path: str = "") -> list[str]:
    """Fabric-style subset match: dicts match on the keys listed, lists match length and then
    item by item, MISSING asks for an absent or null attribute. Returns every difference."""
    if expected == MISSING:
        absent = actual is _ABSENT or actual is None
        return [] if absent else [f"{path}: must be absent, is {actual!r}"]
    if actual is _ABSENT:
        return [f"{path}: absent, expected {expected!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        return [m for key, value in expected.items()
                for m in mismatches(value, actual.get(key, _ABSENT), f"{path}.{key}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} item(s), got {actual!r}"]
        return [m for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for m in mismatches(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


# --- planning ------------------------------------------------------------------------------


def plan_example(example: str, synth_dir: Path, workdir: Path,
                 force_provider: str | None = None,
                 strip: dict[str, list[str]] | None = None) -> PlanSummary:
    """init + plan one example offline; raises Skip when no installed provider fits."""
    binary = terraform_binary()
    config = cli_config()
    # No plugin cache (TF_PLUGIN_CACHE_DIR empty): examples plan in parallel, and Terraform's
    # cache is not safe for concurrent inits (hashicorp/terraform#31964).
    env = {"TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1",
           "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "TF_PLUGIN_CACHE_DIR": ""}
    tf_version = terraform_version(binary, {**os.environ, **env})
    available = mirrored_versions(config)
    module = example_module(EXAMPLES_DIR / example)
    module_json = synth_dir / "stacks" / module / "cdk.tf.json"
    if not module_json.is_file():
        raise FileNotFoundError(f"{module_json}: run `make synth`")
    constraints = list(dict.fromkeys(
        aws_constraints(module_json) + aws_constraints(EXAMPLES_DIR / example)))
    if force_provider:
        provider = parse_version(force_provider)
        if provider not in available:
            raise Skip(f"hashicorp/aws {force_provider} is not installed "
                       f"(installed: {', '.join(map(fmt, available))})")
    else:
        fitting = [v for v in available if all(satisfies(v, c) for c in constraints)]
        if not fitting:
            raise Skip(
                f"example {example}: {module} requires hashicorp/aws "
                f"{' and '.join(constraints)}, installed provider(s) "
                f"{', '.join(map(fmt, available)) or 'none'}; not planned")
        provider = fitting[0]  # terraform picks the newest that fits
    tfdir, notes = stage(example, synth_dir, workdir, tf_version, provider,
                         force_provider=bool(force_provider), strip=strip)
    tf = tftest.TerraformTest(str(tfdir), binary=binary, env=env)
    start = time.monotonic()
    tf.setup(cleanup_on_exit=False)
    plan = tf.plan(output=True, tf_vars=example_variables(example))
    module_doc = json.loads((tfdir.parent.parent / PUBLISH_DIR / example_folder(
        EXAMPLES_DIR / example) / "main.tf.json").read_text())
    summary = PlanSummary.from_plan(example, plan._raw, module_doc)
    summary.seconds = time.monotonic() - start
    summary.provider = _locked_version(tfdir) or fmt(provider)
    summary.notes = notes
    return summary


def _locked_version(tfdir: Path) -> str | None:
    lock = tfdir / ".terraform.lock.hcl"
    if not lock.is_file():
        return None
    match = re.search(r'provider "' + re.escape(PROVIDER) + r'" \{\s*version\s*=\s*"([^"]+)"',
                      lock.read_text())
    return match.group(1) if match else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Plan the examples offline and summarize.")
    parser.add_argument("examples", nargs="*", help="default: every directory in examples/")
    parser.add_argument("--synth-dir", type=Path, default=ROOT / "cdktf.out")
    parser.add_argument("--provider", help="force this hashicorp/aws version (floor probe)")
    args = parser.parse_args(argv)
    names = args.examples or sorted(p.name for p in EXAMPLES_DIR.iterdir() if p.is_dir())
    failed = 0
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"plan-{name}-") as tmp:
            try:
                print(plan_example(name, args.synth_dir, Path(tmp), args.provider).table())
            except Skip as skip:
                print(f"{name}: SKIPPED: {skip}")
            except tftest.TerraformTestError as err:
                failed += 1
                detail = err.args[1] if len(err.args) > 1 and err.args[1] else err.args[0]
                print(f"{name}: FAILED\n{detail}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
