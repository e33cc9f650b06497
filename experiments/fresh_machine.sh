#!/usr/bin/env bash
# Issue 14: the README's two commands as on a fresh machine — a fresh clone of this repository, the
# built-in datasets uninstalled (apt-get remove), an empty Maven repository and an empty model cache —
# with nothing else typed. Needs root (the demo reinstalls the datasets with apt). It REMOVES the
# Debian packages dataset-fashion-mnist and wordnet-base first, so it asks for --yes.
# Usage: experiments/fresh_machine.sh --yes [WORKDIR]   (default WORKDIR /tmp/hetmerge-fresh)
set -uo pipefail
[[ ${1:-} == --yes ]] || { echo "usage: $0 --yes [WORKDIR]  (uninstalls dataset-fashion-mnist and wordnet-base first)" >&2; exit 2; }
repo="$(cd "$(dirname "$0")/.." && pwd)"
work=${2:-/tmp/hetmerge-fresh}
rm -rf "$work" && mkdir -p "$work"
git clone -q "$repo" "$work/clone"
apt-get remove -y -qq dataset-fashion-mnist wordnet-base >/dev/null 2>&1
echo "datasets installed before: $(dpkg -l dataset-fashion-mnist wordnet-base 2>/dev/null | grep -c '^ii')"
export MAVEN_OPTS="-Dmaven.repo.local=$work/m2" XDG_CACHE_HOME="$work/cache"
cd "$work/clone"
start=$(date +%s)
./hetmerge demo >"$work/demo.log" 2>&1
echo "demo exit $? after $(( $(date +%s) - start )) s; datasets installed after: $(dpkg -l dataset-fashion-mnist wordnet-base 2>/dev/null | grep -c '^ii')"
start=$(date +%s)
bash .ci/run >"$work/ci.log" 2>&1
echo "tests exit $? after $(( $(date +%s) - start )) s: $(grep -E 'Tests run:.*Fail' "$work/ci.log" | tail -1)"
