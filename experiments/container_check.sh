#!/usr/bin/env bash
# Issue 14: the README's two commands in a clean chroot — a throw-away copy of this machine's root
# file system (an overlay: every change lands in WORKDIR/upper and is dropped afterwards), in which
# the built-in datasets and Debian's python3-torch/python3-torchvision are uninstalled, root's Maven
# repository and caches are removed, and /work (where this repository lives) is absent. A fresh clone
# is made inside from a read-only bind mount of this repository, then exactly `./hetmerge demo` and
# `bash .ci/run` run there as root with nothing else typed. The host is not changed.
# Needs root and overlayfs. Usage: experiments/container_check.sh [WORKDIR]   (default /var/tmp/hetmerge-chroot)
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
B=${1:-/var/tmp/hetmerge-chroot}
R=$B/merged
cleanup() { mountpoint -q "$R" && { umount -R "$R" 2>/dev/null || umount -R -l "$R"; }; }
trap cleanup EXIT
cleanup
rm -rf "$B" && mkdir -p "$B/upper" "$B/work" "$R"
mount -t overlay overlay -o "lowerdir=/,upperdir=$B/upper,workdir=$B/work" "$R" || { echo "overlay mount failed (root and overlayfs needed)"; exit 2; }
mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" && mount --bind /dev "$R/dev" && mount --bind /dev/pts "$R/dev/pts"
mkdir -p "$R/src" && mount --bind -o ro "$repo" "$R/src"
chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 bash -c '
  set -u
  apt-get remove -y -qq dataset-fashion-mnist wordnet-base python3-torch python3-torchvision >/dev/null 2>&1
  rm -rf /root/.m2 /root/.cache /work /tmp/* 2>/dev/null
  echo "in the chroot: datasets $(dpkg -l dataset-fashion-mnist wordnet-base 2>/dev/null | grep -c ^ii), python3-torch $(dpkg -l python3-torch 2>/dev/null | grep -c ^ii), Maven repository $(ls /root/.m2 2>/dev/null | wc -l) entries, /work $(test -e /work && echo present || echo absent)"
  cd /root && git clone -q /src hetmerge && cd hetmerge && git log --oneline -1
  start=$(date +%s); ./hetmerge demo > /root/demo.log 2>&1; rc=$?
  echo "./hetmerge demo: exit $rc after $(( $(date +%s) - start )) s; datasets installed after: $(dpkg -l dataset-fashion-mnist wordnet-base 2>/dev/null | grep -c ^ii)"
  tail -3 /root/demo.log
  start=$(date +%s); bash .ci/run > /root/ci.log 2>&1; rc=$?
  echo "bash .ci/run: exit $rc after $(( $(date +%s) - start )) s: $(grep -E "Tests run:.*Fail" /root/ci.log | tail -1)"
'
cp "$B/upper/root/demo.log" "$B/upper/root/ci.log" "$B/" 2>/dev/null
echo "logs: $B/demo.log $B/ci.log"
