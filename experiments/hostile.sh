#!/usr/bin/env bash
# Hostile-input audit of the hetmerge CLI: damaged model directories and weights, damaged data,
# out-of-range options, dangerous --out paths, signals during training and merging, and concurrent
# writers/readers. Prints a Markdown table (one row per case) and a per-category summary.
#
# Usage (from the repository root):  experiments/hostile.sh [WORKDIR]
#   WORKDIR: default a fresh `mktemp -d`; an existing WORKDIR must be empty or a previous run's.
# Needs: ./hetmerge (built by the launcher), Fashion-MNIST and WordNet installed, /usr/bin/python3
# with torch (text fixture for TSV cases) and PIL, strace (forced races). About 10-15 min on 2 cores.
#
# Verdicts. Bad input: OK when the exit code is 2, stderr holds exactly one `hetmerge: error:`
# line (its last line), no Java exception text (Exception, java., at org.) appears, nothing new
# (not even hidden) is left anywhere under WORKDIR and the inputs' files (sha256) are unchanged.
# Valid-but-unusual input ("expect 0" in the case name): OK when the exit code is 0, the inputs are
# unchanged, no hidden leftovers stay and the case's own check passes. Signal and concurrency rows
# state their rule in the verdict. Anything else: BAD with the reason.
set -uo pipefail
export OMP_NUM_THREADS=1
export HETMERGE_NO_INSTALL=1   # never let the audit run apt-get
unset HETMERGE_DATA HETMERGE_JAVA_OPTS HETMERGE_DEBUG

if [[ ! -x ./hetmerge || ! -f pom.xml ]]; then
  echo "hostile.sh: run from the repository root (./hetmerge not found)" >&2
  exit 2
fi
REPO=$PWD
H=$REPO/hetmerge
PY=/usr/bin/python3

if [[ $# -ge 1 ]]; then
  W=$1
  if [[ -e $W ]]; then
    if [[ -f $W/.audit/marker ]]; then
      chmod -R u+w "$W" 2>/dev/null
      rm -rf "$W"
    elif [[ -n $(ls -A "$W" 2>/dev/null) ]]; then
      echo "hostile.sh: $W exists and is not empty (nor a previous hostile.sh workdir)" >&2
      exit 2
    fi
  fi
  mkdir -p "$W"
else
  W=$(mktemp -d)
fi
W=$(cd "$W" && pwd -P)
A=$W/.audit            # the audit's own files: excluded from the leftover checks
mkdir -p "$A/logs"
touch "$A/marker"
ROWS=$A/rows.tsv
: >"$ROWS"
N=0
T_START=$(date +%s)
log() { printf '[%4ds] %s\n' $(( $(date +%s) - T_START )) "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Python helpers (fixture surgery, signal delivery)
# ---------------------------------------------------------------------------------------------
cat >"$A/mk.py" <<'PYEOF'
import gzip, hashlib, json, os, struct, sys, zlib

def load_st(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]

def save_st(path, header, data, raw=None):
    h = raw if raw is not None else json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + data)

def jpath_set(o, path, value, delete=False):
    keys = [int(k) if k.isdigit() else k for k in path.split('.')]
    for k in keys[:-1]:
        o = o[k]
    if delete:
        del o[keys[-1]]
    else:
        o[keys[-1]] = value

def fixrec(d):
    """model.json's weights record := the weights file's actual size and sha256."""
    mj = os.path.join(d, 'model.json'); wf = os.path.join(d, 'weights.safetensors')
    m = json.load(open(mj))
    b = open(wf, 'rb').read()
    m['weights'] = {'bytes': len(b), 'sha256': hashlib.sha256(b).hexdigest()}
    json.dump(m, open(mj, 'w'), indent=2)

def png(path, w, h, bitdepth, colortype, rows):
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack('>IIBBBBB', w, h, bitdepth, colortype, 0, 0, 0)
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b''))

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == 'jset':            # FILE DOTTED.PATH JSON-VALUE
    f, p, v = args; m = json.load(open(f)); jpath_set(m, p, json.loads(v)); json.dump(m, open(f, 'w'), indent=2)
elif cmd == 'jdel':          # FILE DOTTED.PATH
    f, p = args; m = json.load(open(f)); jpath_set(m, p, None, delete=True); json.dump(m, open(f, 'w'), indent=2)
elif cmd == 'jraw':          # FILE OLD NEW: textual replace of the first occurrence
    f, old, new = args; t = open(f).read()
    if old not in t: sys.exit('jraw: %r not in %s' % (old, f))
    open(f, 'w').write(t.replace(old, new, 1))
elif cmd == 'fixrec':
    fixrec(args[0])
elif cmd == 'st':            # MODELDIR OP [ARGS] (then the weights record is fixed unless OP ends with !)
    d, op, rest = args[0], args[1], args[2:]
    wf = os.path.join(d, 'weights.safetensors')
    h, data = load_st(wf)
    names = sorted(k for k in h if k != '__metadata__')
    fix = not op.endswith('!'); op = op.rstrip('!')
    if op == 'hdrlen':       # header length field := N (the rest unchanged)
        b = open(wf, 'rb').read(); open(wf, 'wb').write(struct.pack('<Q', int(rest[0])) + b[8:])
    elif op == 'hdrgarbage':
        n = struct.unpack('<Q', open(wf, 'rb').read(8))[0]
        save_st(wf, None, data, raw=(b'{"a": [1, 2, \x00\xff' + b'x' * n)[:n])
    elif op == 'overlap':    # tensor B's bytes := tensor A's bytes (same size)
        a_, b_ = rest; h[b_]['data_offsets'] = list(h[a_]['data_offsets']); save_st(wf, h, data)
    elif op == 'setval':     # TENSOR INDEX FLOAT
        t, i, v = rest[0], int(rest[1]), float(rest[2])
        off = h[t]['data_offsets'][0] + 4 * i
        data = data[:off] + struct.pack('<f', v) + data[off + 4:]; save_st(wf, h, data)
    elif op == 'meta':       # __metadata__ := JSON
        h['__metadata__'] = json.loads(rest[0]); save_st(wf, h, data)
    elif op == 'offsets':    # TENSOR BEGIN END (as written, may be huge)
        t = rest[0]; raw = json.dumps(h, separators=(',', ':'))
        old = json.dumps({'data_offsets': h[t]['data_offsets']}, separators=(',', ':'))[1:-1]
        k = raw.index('"%s":' % t); j = raw.index(old, k)
        raw = raw[:j] + '"data_offsets":[%s,%s]' % (rest[1], rest[2]) + raw[j + len(old):]
        save_st(wf, None, data, raw=raw.encode())
    elif op == 'dtype':
        h[rest[0]]['dtype'] = rest[1]; save_st(wf, h, data)
    elif op == 'extra':      # one more tensor, not in the graph
        h['not.in.graph'] = {'dtype': 'F32', 'shape': [2], 'data_offsets': [len(data), len(data) + 8]}
        save_st(wf, h, data + b'\0' * 8)
    elif op == 'drop':       # a graph tensor removed (its bytes too, offsets rebased)
        t = rest[0]; b0, e0 = h[t]['data_offsets']; del h[t]
        for k in names:
            if k != t and h[k]['data_offsets'][0] >= e0:
                h[k]['data_offsets'] = [h[k]['data_offsets'][0] - (e0 - b0), h[k]['data_offsets'][1] - (e0 - b0)]
        save_st(wf, h, data[:b0] + data[e0:])
    elif op == 'dupname':    # the same tensor name twice in the header
        raw = json.dumps(h, separators=(',', ':')); t = names[0]
        entry = json.dumps({t: h[t]}, separators=(',', ':'))[1:-1]
        save_st(wf, None, data, raw=('{' + entry + ',' + raw[1:]).encode())
    elif op == 'trailing':   # bytes after the last tensor that no tensor covers
        save_st(wf, h, data + b'\x7f' * int(rest[0]))
    else:
        sys.exit('unknown st op ' + op)
    if fix: fixrec(d)
elif cmd == 'pngbomb':       # FILE W H: 1-bit greyscale, all zero (a few KB on disk)
    f, w, hh = args[0], int(args[1]), int(args[2])
    row = b'\0' + b'\0' * ((w + 7) // 8)
    png(f, w, hh, 1, 0, row * hh)
elif cmd == 'imgfolder':     # DIR N: N Fashion-MNIST test images as PNGs in DIR/<class>/
    from PIL import Image
    out, n = args[0], int(args[1])
    names = ['Tshirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
    img = gzip.open('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz').read()[16:]
    lab = gzip.open('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz').read()[8:]
    for i in range(n):
        d = os.path.join(out, names[lab[i]]); os.makedirs(d, exist_ok=True)
        Image.frombytes('L', (28, 28), img[784 * i:784 * (i + 1)]).save(os.path.join(d, '%04d.png' % i))
elif cmd == 'idxlie':        # GZ-IN GZ-OUT: labels file whose header claims 70000 labels
    b = gzip.open(args[0]).read(); b = b[:4] + struct.pack('>I', 70000) + b[8:]
    with gzip.open(args[1], 'wb') as f: f.write(b)
elif cmd == 'modelcheck':    # DIR: model.json's weights record matches weights.safetensors (independent of hetmerge)
    d = args[0]
    try:
        m = json.load(open(os.path.join(d, 'model.json')))
        b = open(os.path.join(d, 'weights.safetensors'), 'rb').read()
        r = m.get('weights')
        if r is None: print('no weights record')
        elif r['bytes'] != len(b) or r['sha256'] != hashlib.sha256(b).hexdigest(): print('weights do not match model.json record')
        else: print('ok')
    except Exception as e:
        print('unreadable model: %s' % type(e).__name__)
elif cmd == 'randbytes':     # FILE N SEED [append]: reproducible random bytes
    import random
    r = random.Random(int(args[2]))
    open(args[0], 'ab' if len(args) > 3 else 'wb').write(bytes(r.getrandbits(8) for _ in range(int(args[1]))))
elif cmd == 'field':         # FILE DOTTED.PATH: print a JSON field
    o = json.load(open(args[0]))
    for k in args[1].split('.'): o = o[int(k)] if k.isdigit() else o[k]
    print(o)
else:
    sys.exit('unknown command ' + cmd)
PYEOF

cat >"$A/sigrun.py" <<'PYEOF'
"""Runs a command in its own process group and signals the group at a chosen moment:
--after S (seconds after start), --line RE [--delay S] (after a stderr line matches), or
--create RE --watch DIR [--inner RE] (inotify: when an entry matching RE appears in DIR; with
--inner, when a file matching it then appears inside that new directory). For --create the
group is SIGSTOPped first, the directory is listed, then the signal (and SIGCONT) is sent.
Writes a JSON note: delivered, t, trigger, at_signal (listing), rc (128+n for a signal)."""
import argparse, ctypes, json, os, re, select, signal, struct, subprocess, sys, threading, time
p = argparse.ArgumentParser()
p.add_argument('--sig', required=True)
p.add_argument('--after', type=float)
p.add_argument('--line')
p.add_argument('--delay', type=float, default=0.0)
p.add_argument('--create')
p.add_argument('--inner')
p.add_argument('--watch')
p.add_argument('--out', required=True)
p.add_argument('--err', required=True)
p.add_argument('--note', required=True)
p.add_argument('--timeout', type=float, default=240)
p.add_argument('cmd', nargs=argparse.REMAINDER)
a = p.parse_args()
cmd = a.cmd[1:] if a.cmd and a.cmd[0] == '--' else a.cmd
sig = getattr(signal, 'SIG' + a.sig)
note = {'signal': a.sig, 'delivered': False}
IN_CREATE, IN_MOVED_TO, IN_CLOSE_WRITE = 0x100, 0x80, 0x8
libc = ctypes.CDLL(None, use_errno=True)
ifd = None
if a.create:
    ifd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if ifd < 0 or libc.inotify_add_watch(ifd, a.watch.encode(), IN_CREATE | IN_MOVED_TO) < 0:
        sys.exit('inotify failed: errno %d' % ctypes.get_errno())
def pre():
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGPIPE):
        signal.signal(s, signal.SIG_DFL)
t0 = time.time()
proc = subprocess.Popen(cmd, stdout=open(a.out, 'wb'), stderr=subprocess.PIPE, preexec_fn=pre, start_new_session=True)
hit = []
errf = open(a.err, 'wb')
def reader():
    for line in proc.stderr:
        errf.write(line); errf.flush()
        if a.line and not hit and re.search(a.line.encode(), line):
            hit.append(time.time())
threading.Thread(target=reader, daemon=True).start()
def listing():
    out = {}
    try:
        for n in sorted(os.listdir(a.watch)):
            q = os.path.join(a.watch, n)
            try:
                out[n] = sorted(os.listdir(q)) if os.path.isdir(q) else 'file'
            except OSError as e:
                out[n] = str(e)
    except OSError as e:
        return str(e)
    return out
def deliver(stopped):
    if proc.poll() is not None:
        note['why_not'] = 'process had exited (rc %s)' % proc.returncode
        return
    try:
        if stopped and a.watch:
            note['at_signal'] = listing()
        os.killpg(proc.pid, sig)
        if stopped and sig != signal.SIGKILL:
            os.killpg(proc.pid, signal.SIGCONT)
        note['delivered'] = True
        note['t'] = round(time.time() - t0, 3)
    except ProcessLookupError:
        note['why_not'] = 'process group gone'
def events():
    out = []
    try:
        buf = os.read(ifd, 65536)
    except BlockingIOError:
        return out
    i = 0
    while i < len(buf):
        wd, mask, cookie, ln = struct.unpack_from('iIII', buf, i)
        out.append((wd, buf[i + 16:i + 16 + ln].rstrip(b'\0').decode('utf-8', 'replace')))
        i += 16 + ln
    return out
done = False
inner_wd = None
while proc.poll() is None and time.time() - t0 < a.timeout:
    if done:
        time.sleep(0.05); continue
    if a.after is not None:
        if time.time() - t0 >= a.after:
            deliver(False); done = True
        else:
            time.sleep(0.005)
    elif a.line:
        if hit and time.time() - hit[0] >= a.delay:
            deliver(False); done = True
        else:
            time.sleep(0.005)
    elif ifd is not None:
        r, _, _ = select.select([ifd], [], [], 0.002)
        if not r:
            continue
        for wd, name in events():
            if done:
                break
            if inner_wd is None and re.search(a.create, name):
                note['trigger'] = name
                if not a.inner:
                    os.killpg(proc.pid, signal.SIGSTOP)
                    deliver(True); done = True
                else:
                    # stop, watch inside the new directory, resume until the inner file is complete
                    os.killpg(proc.pid, signal.SIGSTOP)
                    inner_wd = libc.inotify_add_watch(ifd, os.path.join(a.watch, name).encode(), IN_CLOSE_WRITE | IN_MOVED_TO)
                    os.killpg(proc.pid, signal.SIGCONT)
            elif inner_wd is not None and wd == inner_wd and re.search(a.inner, name):
                os.killpg(proc.pid, signal.SIGSTOP)
                note['trigger'] += '/' + name
                deliver(True); done = True
    else:
        time.sleep(0.05)
if proc.poll() is None and time.time() - t0 >= a.timeout:
    os.killpg(proc.pid, signal.SIGKILL); note['timeout'] = True
rc = proc.wait()
time.sleep(0.2)
note['rc'] = rc if rc >= 0 else 128 - rc
json.dump(note, open(a.note, 'w'))
sys.exit(0)
PYEOF

mk() { "$PY" "$A/mk.py" "$@"; }
# Joins its arguments with "; " (prints nothing for none).
join() { local out="" x; for x in "$@"; do out+="${out:+; }$x"; done; echo "$out"; }

# ---------------------------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------------------------
# Every entry under WORKDIR except the audit's own folder (hidden ones included).
snap() { find "$W" -path "$A" -prune -o -print 2>/dev/null | LC_ALL=C sort; }
# Content digest of input paths: file list + sha256 of every file (a missing path is recorded as such).
hash_inputs() {
  local p
  for p in "$@"; do
    if [[ -e $p || -L $p ]]; then
      find "$p" -print 2>/dev/null | LC_ALL=C sort
      find "$p" -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 -r sha256sum 2>/dev/null
    else
      echo "MISSING $p"
    fi
  done
}
# First non-empty line, control bytes shown as ^X (cut to 160 characters).
first_line() { grep -av '^[[:space:]]*$' "$1" 2>/dev/null | head -n 1 | cat -v | cut -c1-160; }
# Java exception text, or a JVM crash banner, in any of the files.
javaish() { grep -aqE 'Exception|java\.|at org\.|^[[:space:]]+at [a-zA-Z]|For input string|A fatal error has been detected|hs_err_pid' "$@" 2>/dev/null; }
# JVM crash reports (hs_err_pid*.log) that appeared in the repository root (the working directory of
# most cases): moved into the audit's logs and named (empty: none).
crash_files() {
  local f names=()
  for f in "$REPO"/hs_err_pid*.log; do
    [[ -e $f ]] || continue
    [[ " $PRE_HS " == *" $f "* ]] && continue
    mv "$f" "$A/logs/" && names+=("$(basename "$f")")
  done
  echo "${names[*]:-}"
}
# Problems with a bad-input error report (empty: fine).
err_problems() {
  local err=$1 out=$2 p=()
  javaish "$err" "$out" && p+=("Java exception text in the output")
  local n; n=$(grep -ac '^hetmerge: error:' "$err")
  [[ $n -eq 1 ]] || p+=("$n 'hetmerge: error:' lines")
  local last; last=$(grep -av '^[[:space:]]*$' "$err" | tail -n 1)
  [[ $n -eq 0 || $last == 'hetmerge: error:'* ]] || p+=("error not the last stderr line")
  LC_ALL=C grep -aqP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$err" && p+=("raw control bytes echoed to the terminal")
  join "${p[@]}"
}
# Lines of a snapshot diff, described.
snap_problems() {
  local before=$1 after=$2 added removed
  added=$(comm -13 "$before" "$after" | sed "s|^$W|\$W|" | head -n 3 | tr '\n' ' ')
  removed=$(comm -23 "$before" "$after" | sed "s|^$W|\$W|" | head -n 3 | tr '\n' ' ')
  local p=()
  [[ -n $added ]] && p+=("left behind: ${added% }")
  [[ -n $removed ]] && p+=("removed: ${removed% }")
  join "${p[@]}"
}
add_row() {  # category name command exit stderr-line verdict
  local esc=()
  local f
  for f in "$@"; do
    f=${f//$'\t'/ }; f=${f//$'\n'/ }; f=${f//|/\\|}
    esc+=("$f")
  done
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${esc[@]}" >>"$ROWS"
  N=$((N + 1))
  log "#$N ${1}: ${2} -> rc ${4}: ${6}"
}

# run_case CATEGORY NAME EXPECT INPUTS CMD [TIMEOUT] [CHECK]
#   EXPECT: fail (bad input: exit 2, clean line, nothing left) or ok (exit 0)
#   INPUTS: space-separated paths whose files must not change
#   CMD: a bash command line run from the repository root with $W (workdir) and $H (./hetmerge, absolute)
#   CHECK: for ok cases, a function printing a problem (empty: fine)
run_case() {
  local cat=$1 name=$2 expect=$3 inputs=$4 cmd=$5 tmo=${6:-150} check=${7:-}
  local id=$((N + 1)) out=$A/logs/$((N + 1)).out err=$A/logs/$((N + 1)).err
  local -a inp=()
  read -r -a inp <<<"$inputs"
  hash_inputs "${inp[@]}" >"$A/in.before"
  snap >"$A/snap.before"
  (cd "$REPO" && W="$W" H="$H" timeout -k 10 "$tmo" bash -c "$cmd") >"$out" 2>"$err" </dev/null
  local rc=$?
  snap >"$A/snap.after"
  hash_inputs "${inp[@]}" >"$A/in.after"
  local v=() p
  p=$(crash_files); [[ -n $p ]] && v+=("JVM crash report $p left in the working directory")
  if [[ $expect == fail ]]; then
    [[ $rc -eq 124 || $rc -eq 137 ]] && v+=("timed out after ${tmo}s")
    [[ $rc -ne 2 && $rc -ne 124 && $rc -ne 137 ]] && v+=("exit $rc, expected 2")
    p=$(err_problems "$err" "$out"); [[ -n $p ]] && v+=("$p")
    p=$(snap_problems "$A/snap.before" "$A/snap.after"); [[ -n $p ]] && v+=("$p")
  else
    [[ $rc -ne 0 ]] && v+=("exit $rc, expected 0 (valid input)")
    javaish "$err" "$out" && v+=("Java exception text in the output")
    p=$(comm -13 "$A/snap.before" "$A/snap.after" | grep -E '/\.[^/]*\.(tmp|old)-[^/]*$' | head -n 2 | sed "s|^$W|\$W|" | tr '\n' ' ')
    [[ -n $p ]] && v+=("hidden leftover: $p")
    if [[ $rc -eq 0 && -n $check ]]; then p=$($check); [[ -n $p ]] && v+=("$p"); fi
  fi
  cmp -s "$A/in.before" "$A/in.after" || v+=("input files changed: $(diff "$A/in.before" "$A/in.after" | grep '^[<>]' | head -n 1 | sed "s|$W|\$W|g" | cut -c1-80)")
  local verdict
  if [[ ${#v[@]} -eq 0 ]]; then
    [[ $expect == fail ]] && verdict="OK" || verdict="OK (valid input, exit 0 expected)"
  else
    verdict="BAD: $(join "${v[@]}")"
  fi
  local fl; fl=$(first_line "$err"); [[ -z $fl ]] && fl="(empty)"
  add_row "$cat" "$name" "$cmd" "$rc" "$fl" "$verdict"
}

# Train a fixture (aborts the audit when a fixture cannot be made).
fixture() {  # DIR ARGS...
  local d=$1; shift
  if ! ./hetmerge train "$@" -q --out "$d" >"$A/logs/fixture-$(basename "$d").log" 2>&1; then
    echo "hostile.sh: cannot train fixture $d:" >&2
    cat "$A/logs/fixture-$(basename "$d").log" >&2
    exit 1
  fi
}
modelcheck() { mk modelcheck "$1"; }
# Whether stderr says the output NAME was written, complete and kept (a signal during or after the commit).
kept_said() { grep -q "^hetmerge: interrupted after .*/$2 was written (it is complete and kept)\$" "$1"; }

# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------
log "workdir $W"
PRE_HS=$(echo "$REPO"/hs_err_pid*.log)   # crash reports from before this run are not counted
./hetmerge --version >/dev/null 2>"$A/logs/build.log" || { echo "hostile.sh: ./hetmerge does not run:" >&2; cat "$A/logs/build.log" >&2; exit 1; }
FX=$W/fx
mkdir -p "$FX"
MLP=(--arch mlp --depth 1 --width 16 --epochs 1 --limit 1000)
fixture "$FX/a" "${MLP[@]}" --classes 0-4 --seed 1
fixture "$FX/b" "${MLP[@]}" --classes 5-9 --seed 2
fixture "$FX/a3" "${MLP[@]}" --classes 0-4 --seed 3
fixture "$FX/w32" --arch mlp --depth 1 --width 32 --epochs 1 --limit 1000 --classes 0-4 --seed 1
fixture "$FX/r" --arch resnet --depth 8 --width 0.5 --epochs 1 --limit 500 --classes 0-4 --seed 1
fixture "$FX/t" --arch text --dataset wordnet --depth 1 --width 16 --heads 1 --epochs 1 --limit 1000 --vocab 500 --max-length 16 --classes noun.animal,noun.plant --seed 1
# An imported text encoder with a tokenizer.json (TSV data needs one): PyTorch reference fixture.
mkdir -p "$A/torch"
if ! "$PY" python/make_fixtures.py "$A/torch" --cases text_post -q >"$A/logs/fixture-torch.log" 2>&1 \
  || ! ./hetmerge import --family torch-text-encoder "$A/torch/text_post.safetensors" --config "$A/torch/text_post.config.json" \
       --tokenizer "$A/torch/tokenizer.json" --classes pos,neg,mid -q --out "$FX/ti" >>"$A/logs/fixture-torch.log" 2>&1; then
  echo "hostile.sh: cannot make the imported text fixture:" >&2; cat "$A/logs/fixture-torch.log" >&2; exit 1
fi
log "fixtures trained"

# Model directory copies to damage: md/NAME is a copy of fx/a (or of the named fixture).
MD=$W/md
mkdir -p "$MD"
copy() { cp -a "$FX/$1" "$MD/$2"; }  # FIXTURE NAME

# ---------------------------------------------------------------------------------------------
# 1. model dir
# ---------------------------------------------------------------------------------------------
C="model dir"
echo "hello" >"$MD/file"
mkdir -p "$MD/empty"
copy a nojson; rm "$MD/nojson/model.json"
copy a trunc; head -c 1500 "$FX/a/model.json" >"$MD/trunc/model.json"
copy a notjson; printf '\x00\xffthis is not JSON {{{' >"$MD/notjson/model.json"
copy a zero; : >"$MD/zero/model.json"
copy a types1; mk jset "$MD/types1/model.json" tasks '"0-4"'
copy a types2; mk jset "$MD/types2/model.json" graph.nodes.1.out '"16"'
copy a types3; mk jset "$MD/types3/model.json" architecture.depth '"one"'
copy a dup1; mk jraw "$MD/dup1/model.json" '"seed": 1,' '"seed": 1, "seed": 7,'
copy a dup2; mk jraw "$MD/dup2/model.json" '"out": 16,' '"out": 16, "out": 32,'
copy b cols-dup; mk jset "$MD/cols-dup/model.json" tasks.0.columns '[5,5,6,7,8]'
copy b cols-perm; mk jset "$MD/cols-perm/model.json" tasks.0.columns '[9,8,7,6,5]'
copy r rcols-perm; mk jset "$MD/rcols-perm/model.json" tasks.0.columns '[4,3,2,1,0]'
copy a arch-depth; mk jset "$MD/arch-depth/model.json" architecture.depth 2
copy r rarch-depth; mk jset "$MD/rarch-depth/model.json" architecture.depth 14
copy a rec-sha; mk jset "$MD/rec-sha/model.json" weights.sha256 "\"$(printf '0%.0s' {1..64})\""
copy a rec-bytes; mk jset "$MD/rec-bytes/model.json" weights.bytes 1
copy a rec-none; mk jdel "$MD/rec-none/model.json" weights
copy a devzero; rm "$MD/devzero/model.json"; ln -s /dev/zero "$MD/devzero/model.json"
copy a nan; mk jraw "$MD/nan/model.json" '"headScale": 16.0' '"headScale": NaN'
copy a format; mk jset "$MD/format/model.json" format '"hetmerge-model/9"'
copy a cycle; mk jset "$MD/cycle/model.json" graph.nodes.1.inputs '["hidden.layer1.relu"]'
copy a missing-in; mk jset "$MD/missing-in/model.json" graph.nodes.1.inputs '["no.such.node"]'

run_case "$C" "missing dir" fail "" './hetmerge eval $W/md/nonexistent -q'
run_case "$C" "a regular file" fail "$MD/file" './hetmerge eval $W/md/file -q'
run_case "$C" "empty dir" fail "$MD/empty" './hetmerge info $W/md/empty -q'
run_case "$C" "model.json missing" fail "$MD/nojson" './hetmerge eval $W/md/nojson -q'
run_case "$C" "model.json truncated" fail "$MD/trunc" './hetmerge eval $W/md/trunc -q'
run_case "$C" "model.json not JSON" fail "$MD/notjson" './hetmerge info $W/md/notjson -q'
run_case "$C" "model.json empty" fail "$MD/zero" './hetmerge eval $W/md/zero -q'
run_case "$C" "wrong type: tasks a string" fail "$MD/types1" './hetmerge eval $W/md/types1 -q'
run_case "$C" "wrong type: node out \"16\"" fail "$MD/types2" './hetmerge eval $W/md/types2 -q'
run_case "$C" "wrong type: architecture.depth \"one\"" fail "$MD/types3" './hetmerge info $W/md/types3 -q'
run_case "$C" "duplicate key seed" fail "$MD/dup1" './hetmerge eval $W/md/dup1 -q'
run_case "$C" "duplicate key in a graph node" fail "$MD/dup2" './hetmerge eval $W/md/dup2 -q'
run_case "$C" "columns duplicated [5,5,6,7,8]" fail "$MD/cols-dup $FX/a" './hetmerge merge $W/fx/a $W/md/cols-dup --calib 50 -q --out $W/o/m-colsdup'
run_case "$C" "cosine columns permuted [9,8,7,6,5]" fail "$MD/cols-perm" './hetmerge eval $W/md/cols-perm -q'
run_case "$C" "resnet columns permuted [4,3,2,1,0]" fail "$MD/rcols-perm" './hetmerge eval $W/md/rcols-perm -q'
run_case "$C" "architecture depth 1 -> 2" fail "$MD/arch-depth" './hetmerge eval $W/md/arch-depth -q'
run_case "$C" "resnet architecture depth 8 -> 14" fail "$MD/rarch-depth" './hetmerge info $W/md/rarch-depth -q'
run_case "$C" "weights record: sha256 edited" fail "$MD/rec-sha" './hetmerge eval $W/md/rec-sha -q'
run_case "$C" "weights record: bytes edited" fail "$MD/rec-bytes" './hetmerge eval $W/md/rec-bytes -q'
run_case "$C" "weights record deleted (documented escape; expect 0)" ok "$MD/rec-none" './hetmerge eval $W/md/rec-none -q'
run_case "$C" "model.json -> /dev/zero" fail "$MD/devzero/weights.safetensors" './hetmerge eval $W/md/devzero -q' 60
run_case "$C" "headScale NaN" fail "$MD/nan" './hetmerge eval $W/md/nan -q'
run_case "$C" "format hetmerge-model/9" fail "$MD/format" './hetmerge info $W/md/format -q'
run_case "$C" "graph cycle" fail "$MD/cycle" './hetmerge eval $W/md/cycle -q' 60
run_case "$C" "node input names no node" fail "$MD/missing-in" './hetmerge eval $W/md/missing-in -q'
run_case "$C" "merge with a missing second model" fail "$FX/a" './hetmerge merge $W/fx/a $W/md/nonexistent --calib 50 -q --out $W/o/m-missing'

# ---------------------------------------------------------------------------------------------
# 2. weights (each file damaged in one way; the model.json record is refreshed to the damaged
#    file unless the case says otherwise, so that the reader's own checks are what is tested)
# ---------------------------------------------------------------------------------------------
C="weights"
wcopy() { copy "${2:-a}" "$1"; }
WF=weights.safetensors
wcopy w-half; head -c 29000 "$FX/a/$WF" >"$MD/w-half/$WF"; mk fixrec "$MD/w-half"
wcopy w-4b; head -c 4 "$FX/a/$WF" >"$MD/w-4b/$WF"; mk fixrec "$MD/w-4b"
wcopy w-empty; : >"$MD/w-empty/$WF"; mk fixrec "$MD/w-empty"
wcopy w-hdrbig; mk st "$MD/w-hdrbig" hdrlen 10000000
wcopy w-hdrsmall; mk st "$MD/w-hdrsmall" hdrlen 40
wcopy w-hdrjunk; mk st "$MD/w-hdrjunk" hdrgarbage
wcopy w-overlap; mk st "$MD/w-overlap" overlap hidden.layer1.bn.running_mean hidden.layer1.bn.running_var
wcopy w-nan; mk st "$MD/w-nan" setval head.proj.weight 3 nan
wcopy w-inf; mk st "$MD/w-inf" setval hidden.layer1.fc.bias 0 inf
wcopy w-other; cp "$FX/a3/$WF" "$MD/w-other/$WF"
wcopy w-other-norec; cp "$FX/a3/$WF" "$MD/w-other-norec/$WF"; mk jdel "$MD/w-other-norec/model.json" weights
wcopy w-shape; cp "$FX/w32/$WF" "$MD/w-shape/$WF"
wcopy w-shape-rec; cp "$FX/w32/$WF" "$MD/w-shape-rec/$WF"; mk fixrec "$MD/w-shape-rec"
wcopy w-meta; mk st "$MD/w-meta" meta '{"format": 1}'
wcopy w-huge; mk st "$MD/w-huge" offsets head.proj.bias 18446744073709551615 18446744073709551871
wcopy w-huge2; mk st "$MD/w-huge2" offsets head.proj.bias 1099511627776 1099511628032
wcopy w-huge3; mk st "$MD/w-huge3" offsets head.proj.bias 1e30 1e30
wcopy w-dtype; mk st "$MD/w-dtype" dtype head.proj.bias X9
wcopy w-extra; mk st "$MD/w-extra" extra
wcopy w-drop; mk st "$MD/w-drop" drop head.proj.bias
wcopy w-dupname; mk st "$MD/w-dupname" dupname
wcopy w-trail; mk st "$MD/w-trail" trailing 64
wcopy w-negvar r; mk st "$MD/w-negvar" setval stage1.block1.bn1.running_var 2 -1.0
wcopy w-dir; rm "$MD/w-dir/$WF"; mkdir "$MD/w-dir/$WF"

run_case "$C" "truncated to half" fail "$MD/w-half" './hetmerge eval $W/md/w-half -q'
run_case "$C" "truncated to 4 bytes" fail "$MD/w-4b" './hetmerge eval $W/md/w-4b -q'
run_case "$C" "empty file" fail "$MD/w-empty" './hetmerge eval $W/md/w-empty -q'
run_case "$C" "header length lies (10 MB)" fail "$MD/w-hdrbig" './hetmerge eval $W/md/w-hdrbig -q'
run_case "$C" "header length lies (40, cuts the JSON)" fail "$MD/w-hdrsmall" './hetmerge eval $W/md/w-hdrsmall -q'
run_case "$C" "header not JSON" fail "$MD/w-hdrjunk" './hetmerge eval $W/md/w-hdrjunk -q'
run_case "$C" "overlapping tensors" fail "$MD/w-overlap" './hetmerge eval $W/md/w-overlap -q'
run_case "$C" "NaN value" fail "$MD/w-nan" './hetmerge eval $W/md/w-nan -q'
run_case "$C" "+inf value" fail "$MD/w-inf" './hetmerge eval $W/md/w-inf -q'
run_case "$C" "copied from another model (same shapes)" fail "$MD/w-other $FX/b" './hetmerge merge $W/md/w-other $W/fx/b --calib 50 -q --out $W/o/m-wother'
run_case "$C" "copied, record deleted (expect 0)" ok "$MD/w-other-norec" './hetmerge eval $W/md/w-other-norec -q'
run_case "$C" "another shape (record kept)" fail "$MD/w-shape" './hetmerge eval $W/md/w-shape -q'
run_case "$C" "another shape (record refreshed)" fail "$MD/w-shape-rec" './hetmerge eval $W/md/w-shape-rec -q'
run_case "$C" "__metadata__ non-string value" fail "$MD/w-meta" './hetmerge eval $W/md/w-meta -q'
run_case "$C" "data_offsets 2^64-1" fail "$MD/w-huge" './hetmerge eval $W/md/w-huge -q'
run_case "$C" "data_offsets 2^40 (past EOF)" fail "$MD/w-huge2" './hetmerge eval $W/md/w-huge2 -q'
run_case "$C" "data_offsets 1e30 (float)" fail "$MD/w-huge3" './hetmerge eval $W/md/w-huge3 -q'
run_case "$C" "unknown dtype X9" fail "$MD/w-dtype" './hetmerge eval $W/md/w-dtype -q'
run_case "$C" "extra tensor" fail "$MD/w-extra" './hetmerge eval $W/md/w-extra -q'
run_case "$C" "missing tensor" fail "$MD/w-drop" './hetmerge eval $W/md/w-drop -q'
run_case "$C" "duplicate tensor name" fail "$MD/w-dupname" './hetmerge eval $W/md/w-dupname -q'
run_case "$C" "64 unindexed trailing bytes" fail "$MD/w-trail" './hetmerge eval $W/md/w-trail -q'
run_case "$C" "negative BN running_var (resnet)" fail "$MD/w-negvar" './hetmerge eval $W/md/w-negvar -q'
run_case "$C" "weights.safetensors is a directory" fail "$MD/w-dir" './hetmerge eval $W/md/w-dir -q'

# ---------------------------------------------------------------------------------------------
# 3. data
# ---------------------------------------------------------------------------------------------
C="data"
D=$W/data
mkdir -p "$D"
FM=/usr/share/datasets/fashion-mnist
fmcopy() { mkdir -p "$D/$1"; cp "$FM"/*.gz "$D/$1/"; }
fmcopy fm-trunc; head -c 2000000 "$FM/train-images-idx3-ubyte.gz" >"$D/fm-trunc/train-images-idx3-ubyte.gz"
fmcopy fm-corrupt; printf '\xde\xad\xbe\xef%.0s' {1..256} | dd of="$D/fm-corrupt/t10k-images-idx3-ubyte.gz" bs=1 seek=1000000 conv=notrunc status=none
fmcopy fm-notgz; printf 'these are not the labels you are looking for\n' >"$D/fm-notgz/t10k-labels-idx1-ubyte.gz"
fmcopy fm-lie; mk idxlie "$FM/t10k-labels-idx1-ubyte.gz" "$D/fm-lie/t10k-labels-idx1-ubyte.gz"
fmcopy fm-notest; rm "$D/fm-notest"/t10k-*
mkdir -p "$D/emptydir" "$D/parent"; fmcopy parent/fashion-mnist
cp -r /usr/share/wordnet "$D/wn-midline"; cp -r /usr/share/wordnet "$D/wn-boundary"
head -c 9000123 /usr/share/wordnet/data.noun >"$D/wn-midline/data.noun"
head -n 60000 /usr/share/wordnet/data.noun >"$D/wn-boundary/data.noun"
mkdir -p "$D/wn-garbage"; mk randbytes "$D/wn-garbage/data.noun" 200000 7
mk imgfolder "$D/img-ok" 60
mk imgfolder "$D/img-corrupt" 60; f=$(ls "$D/img-corrupt/Trouser/"*.png | head -n 1); head -c 60 "$f" >"$f.x"; mk randbytes "$f.x" 300 5 append; mv "$f.x" "$f"
mk imgfolder "$D/img-text" 60; echo "not an image" >"$D/img-text/Trouser/zz.png"
mk imgfolder "$D/img-bomb" 60; mk pngbomb "$D/img-bomb/Trouser/bomb.png" 9000 8000
mkdir -p "$D/img-empty"
printf 'pos\tw2 w3 w4\nneg\tw5 w6\nmid\tw7 w9 w10\npos\tw11 w12\n' >"$D/ok.tsv"
printf 'pos\tw2 w3 w4\nneg w5 w6 (no tab)\nmid\tw7\n' >"$D/notab.tsv"
printf 'pos\tw2 \xff\xfe w3\nneg\tw5\n' >"$D/badutf8.tsv"
: >"$D/empty.tsv"
printf 'cat\tw2 w3\ndog\tw4\n' >"$D/unknown.tsv"

run_case "$C" "FM train-images .gz truncated (--data-dir)" fail "$D/fm-trunc" './hetmerge train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 --data-dir $W/data/fm-trunc -q --out $W/o/d-trunc'
run_case "$C" "FM t10k-images .gz corrupt mid-stream" fail "$D/fm-corrupt $FX/a" './hetmerge eval $W/fx/a --data-dir $W/data/fm-corrupt -q'
run_case "$C" "FM t10k-labels not gzip" fail "$D/fm-notgz" './hetmerge eval $W/fx/a --data-dir $W/data/fm-notgz -q'
run_case "$C" "FM labels header claims 70000" fail "$D/fm-lie" './hetmerge eval $W/fx/a --data-dir $W/data/fm-lie -q'
run_case "$C" "FM test files missing" fail "$D/fm-notest" './hetmerge eval $W/fx/a --data-dir $W/data/fm-notest -q'
run_case "$C" "HETMERGE_DATA = truncated FM copy" fail "$D/fm-trunc" 'HETMERGE_DATA=$W/data/fm-trunc ./hetmerge train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 -q --out $W/o/d-envtrunc'
run_case "$C" "HETMERGE_DATA points to nothing" fail "" 'HETMERGE_DATA=$W/data/nothing-here ./hetmerge eval $W/fx/a -q'
run_case "$C" "HETMERGE_DATA = empty dir" fail "$D/emptydir" 'HETMERGE_DATA=$W/data/emptydir ./hetmerge eval $W/fx/a -q'
run_case "$C" "HETMERGE_DATA = dir holding fashion-mnist/ (expect 0)" ok "$D/parent" 'HETMERGE_DATA=$W/data/parent ./hetmerge eval $W/fx/a -q'
run_case "$C" "WordNet data.noun truncated mid-line" fail "$D/wn-midline $FX/t" './hetmerge eval $W/fx/t --data-dir $W/data/wn-midline -q'
run_case "$C" "WordNet data.noun truncated at a line" fail "$D/wn-boundary" './hetmerge eval $W/fx/t --data-dir $W/data/wn-boundary -q'
run_case "$C" "WordNet data.noun random bytes (HETMERGE_DATA)" fail "$D/wn-garbage" 'HETMERGE_DATA=$W/data/wn-garbage ./hetmerge eval $W/fx/t -q'
run_case "$C" "ImageFolder of valid PNGs (expect 0)" ok "$D/img-ok" './hetmerge eval $W/fx/a --data $W/data/img-ok -q'
run_case "$C" "ImageFolder with a corrupt PNG" fail "$D/img-corrupt" './hetmerge eval $W/fx/a --data $W/data/img-corrupt -q'
run_case "$C" "ImageFolder with text named .png" fail "$D/img-text" './hetmerge eval $W/fx/a --data $W/data/img-text -q'
run_case "$C" "ImageFolder with a 9000x8000 1-bit PNG bomb" fail "$D/img-bomb" './hetmerge eval $W/fx/a --data $W/data/img-bomb -q' 120
run_case "$C" "merge calibrating on the PNG bomb" fail "$D/img-bomb $FX/a $FX/b" './hetmerge merge $W/fx/a $W/fx/b --data $W/data/img-bomb --calib 50 -q --out $W/o/d-bomb' 120
run_case "$C" "empty ImageFolder" fail "$D/img-empty" './hetmerge eval $W/fx/a --data $W/data/img-empty -q'
run_case "$C" "--data names nothing" fail "" './hetmerge eval $W/fx/a --data $W/data/no-such-folder -q'
run_case "$C" "TSV valid (expect 0)" ok "$D/ok.tsv $FX/ti" './hetmerge eval $W/fx/ti --data $W/data/ok.tsv -q'
run_case "$C" "TSV row without a tab" fail "$D/notab.tsv" './hetmerge eval $W/fx/ti --data $W/data/notab.tsv -q'
run_case "$C" "TSV invalid UTF-8" fail "$D/badutf8.tsv" './hetmerge eval $W/fx/ti --data $W/data/badutf8.tsv -q'
run_case "$C" "TSV empty" fail "$D/empty.tsv" './hetmerge eval $W/fx/ti --data $W/data/empty.tsv -q'
run_case "$C" "TSV with labels no model knows" fail "$D/unknown.tsv" './hetmerge eval $W/fx/ti --data $W/data/unknown.tsv -q'

# ---------------------------------------------------------------------------------------------
# 4. options
# ---------------------------------------------------------------------------------------------
C="options"
TR='./hetmerge train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 -q'
MG='./hetmerge merge $W/fx/a $W/fx/b -q'
run_case "$C" "--batch-size 0" fail "" "$TR --batch-size 0 --out \$W/o/x-bs0"
run_case "$C" "--batch-size -1" fail "" "$TR --batch-size -1 --out \$W/o/x-bsneg"
run_case "$C" "--batch-size 2147483647" fail "" "$TR --batch-size 2147483647 --out \$W/o/x-bsbig"
run_case "$C" "--batch-size 99999999999999 (not an int)" fail "" "$TR --batch-size 99999999999999 --out \$W/o/x-bsover"
run_case "$C" "eval --batch-size 0" fail "$FX/a" './hetmerge eval $W/fx/a --batch-size 0 -q'
run_case "$C" "--limit -1" fail "" "${TR/--limit 1000/--limit -1} --out \$W/o/x-lim"
run_case "$C" "--classes abc" fail "" "${TR/--classes 0-4/--classes abc} --out \$W/o/x-cls1"
run_case "$C" "--classes 4-1" fail "" "${TR/--classes 0-4/--classes 4-1} --out \$W/o/x-cls2"
run_case "$C" "--classes 8-12" fail "" "${TR/--classes 0-4/--classes 8-12} --out \$W/o/x-cls3"
run_case "$C" "--lr NaN" fail "" "$TR --lr NaN --out \$W/o/x-lrnan"
run_case "$C" "--lr 1e30 (diverging training)" fail "" "$TR --lr 1e30 --out \$W/o/x-lrbig"
run_case "$C" "--head-scale 1e300" fail "" "$TR --head-scale 1e300 --out \$W/o/x-hs"
run_case "$C" "--epochs 0" fail "" "${TR/--epochs 1/--epochs 0} --out \$W/o/x-ep0"
run_case "$C" "--width -1" fail "" "${TR/--width 16/--width -1} --out \$W/o/x-wneg"
run_case "$C" "mlp --width 2000000000 (memory)" fail "" "${TR/--width 16/--width 2000000000} --out \$W/o/x-whuge" 120
run_case "$C" "resnet --depth 7" fail "" './hetmerge train --arch resnet --depth 7 --classes 0-4 -q --out $W/o/x-d7'
run_case "$C" "--seed abc" fail "" "$TR --seed abc --out \$W/o/x-seed"
run_case "$C" "unknown option --frobnicate" fail "" "$TR --frobnicate --out \$W/o/x-unk"
run_case "$C" "merge --calib 0" fail "$FX/a $FX/b" "$MG --calib 0 --out \$W/o/x-c0"
run_case "$C" "merge --calib -5" fail "$FX/a $FX/b" "$MG --calib -5 --out \$W/o/x-cneg"
run_case "$C" "merge --method foo" fail "$FX/a $FX/b" "$MG --method foo --out \$W/o/x-mfoo"
run_case "$C" "merge --method avg --alpha 0.3" fail "$FX/a $FX/b" "$MG --method avg --alpha 0.3 --out \$W/o/x-alpha"
run_case "$C" "merge --stop-at no.such.unit" fail "$FX/a $FX/b" "$MG --calib 50 --stop-at no.such.unit --out \$W/o/x-stop"
run_case "$C" "merge --budget params=abc" fail "$FX/a $FX/b" "$MG --calib 50 --budget params=abc --out \$W/o/x-budget"
run_case "$C" "HETMERGE_JAVA_OPTS=-Xmx4q" fail "" "HETMERGE_JAVA_OPTS=-Xmx4q $TR --out \$W/o/x-jopts"
run_case "$C" "eval --classes 0-9 on a 0-4 model (expect 0)" ok "$FX/a" './hetmerge eval $W/fx/a --classes 0-9 -q'
chk_model() { [[ $(modelcheck "$1") == ok ]] || echo "output is not a consistent model: $(modelcheck "$1")"; }
chk_l129() { chk_model "$W/o/x-l129"; }
run_case "$C" "train --limit 129: last batch of one (expect 0)" ok "" "${TR/--limit 1000/--limit 129} --out \$W/o/x-l129" 150 chk_l129
# An mlp normalizes over the batch (BatchNorm over vectors): batches of one cannot train it, said up front.
run_case "$C" "train --batch-size 1 on an mlp (BatchNorm over vectors)" fail "" "${TR/--limit 1000/--limit 200} --batch-size 1 --out \$W/o/x-bs1"

# ---------------------------------------------------------------------------------------------
# 5. output paths
# ---------------------------------------------------------------------------------------------
C="output paths"
O=$W/out
mkdir -p "$O/cwdempty" "$O/p/child" "$O/foreign" "$O/sys"
cp -a "$FX/a" "$O/cwdmodel"
echo "my notes" >"$O/foreign/notes.txt"
cp -a "$FX/a" "$O/withnote"; echo "keep me" >"$O/withnote/NOTES.md"
cp -a "$FX/a" "$O/replace-me"
ln -s "$FX/a3" "$O/link"
echo "regular" >"$O/regular"
TRo='$H train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 -q'
run_case "$C" "--out . (cwd, empty dir)" fail "$O/cwdempty" "cd \$W/out/cwdempty && $TRo --out ."
run_case "$C" "--out . --force (cwd is a model)" fail "$O/cwdmodel" "cd \$W/out/cwdmodel && $TRo --out . --force"
run_case "$C" "--out .. --force (parent of cwd)" fail "$O/p" "cd \$W/out/p/child && $TRo --out .. --force"
run_case "$C" "merge --out = an input model --force" fail "$FX/a $FX/b" './hetmerge merge $W/fx/a $W/fx/b --calib 50 -q --force --out $W/fx/a'
run_case "$C" "merge --out = dir holding the inputs --force" fail "$FX" './hetmerge merge $W/fx/a $W/fx/b --calib 50 -q --force --out $W/fx'
run_case "$C" "non-hetmerge dir, no --force" fail "$O/foreign" "${TRo/\$H/./hetmerge} --out \$W/out/foreign"
run_case "$C" "non-hetmerge dir, --force" fail "$O/foreign" "${TRo/\$H/./hetmerge} --out \$W/out/foreign --force"
run_case "$C" "model holding a user file, --force" fail "$O/withnote" "${TRo/\$H/./hetmerge} --out \$W/out/withnote --force"
run_case "$C" "existing model, no --force" fail "$O/replace-me" "${TRo/\$H/./hetmerge} --out \$W/out/replace-me"
run_case "$C" "symlink to a model, --force" fail "$O/link $FX/a3" "${TRo/\$H/./hetmerge} --out \$W/out/link --force"
run_case "$C" "barrier --out = a model (other kind) --force" fail "$O/replace-me $FX/a $FX/a3" './hetmerge barrier $W/fx/a $W/fx/a3 --calib 50 --steps 3 -q --force --out $W/out/replace-me'
run_case "$C" "300-byte name" fail "" "${TRo/\$H/./hetmerge} --out \$W/out/\$(printf 'n%.0s' {1..300})"
run_case "$C" "4 KB+ nested path" fail "" "${TRo/\$H/./hetmerge} --out \$W/out/\$(printf 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd/%.0s' {1..42})m"
run_case "$C" "--out /proc/x" fail "" "${TRo/\$H/./hetmerge} --out /proc/x"
run_case "$C" "--out /sys/kernel/x (read-only fs)" fail "" "${TRo/\$H/./hetmerge} --out /sys/kernel/x"
run_case "$C" "--out under a regular file" fail "$O/regular" "${TRo/\$H/./hetmerge} --out \$W/out/regular/sub"
run_case "$C" "--out ''" fail "" "${TRo/\$H/./hetmerge} --out ''"
chk_replaced() { [[ $(mk field "$O/replace-me/model.json" seed) == 9 ]] || echo "not replaced by the new model"; chk_model "$O/replace-me"; }
chk_200() { chk_model "$O/$(printf 'n%.0s' {1..200})"; }
chk_nl() { chk_model "$O/"$'a b\nc\xc3\xa9'; }
run_case "$C" "existing model, --force (expect 0)" ok "" "${TRo/\$H/./hetmerge} --seed 9 --out \$W/out/replace-me --force" 150 chk_replaced
run_case "$C" "200-byte name (limit; expect 0)" ok "" "${TRo/\$H/./hetmerge} --out \$W/out/\$(printf 'n%.0s' {1..200})" 150 chk_200
run_case "$C" "name with space, newline, UTF-8 (expect 0)" ok "" "${TRo/\$H/./hetmerge} --out \"\$W/out/\"\$'a b\\nc\\xc3\\xa9'" 150 chk_nl

# ---------------------------------------------------------------------------------------------
# 6. signals
# ---------------------------------------------------------------------------------------------
C="signals"
S=$W/sig
mkdir -p "$S"
# sig_case NAME SIGNAL OUTNAME TRIGGER-ARGS CMD [replace]
#   TRIGGER-ARGS: arguments of sigrun.py selecting the moment; CMD a command line writing --out $W/sig/OUTNAME.
#   OK: the signal reached the running process, it did not exit 0, no Java text, and in $W/sig nothing
#   but hidden .OUTNAME.tmp-*/.OUTNAME.old-* leftovers is new (with "replace": OUTNAME is still there and
#   consistent — old or new, exit 0 allowed only with the new one — or, after SIGKILL, only its hidden .old- copy).
sig_case() {
  local name=$1 sig=$2 outn=$3 trig=$4 cmd=$5 mode=${6:-new}
  local id=$((N + 1)) out=$A/logs/$((N + 1)).out err=$A/logs/$((N + 1)).err note=$A/logs/$((N + 1)).note
  ls -A "$S" | LC_ALL=C sort >"$A/sig.before"
  local before_sha=""
  [[ $mode == replace ]] && before_sha=$(sha256sum "$S/$outn/weights.safetensors" | cut -c1-64)
  local -a targs=()
  read -r -a targs <<<"$trig"
  (cd "$REPO" && W="$W" H="$H" "$PY" "$A/sigrun.py" --sig "$sig" "${targs[@]}" --out "$out" --err "$err" --note "$note" -- bash -c "$cmd")
  local rc; rc=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["rc"])' "$note" 2>/dev/null || echo "?")
  local delivered; delivered=$("$PY" -c 'import json,sys; n=json.load(open(sys.argv[1])); print("yes" if n["delivered"] else n.get("why_not","no"))' "$note" 2>/dev/null || echo "no note")
  ls -A "$S" | LC_ALL=C sort >"$A/sig.after"
  local new; new=$(comm -13 "$A/sig.before" "$A/sig.after")
  local v=() hidden=() e committed_note=""
  [[ $delivered == yes ]] || v+=("signal not delivered: $delivered")
  local finished=""
  if [[ $rc == 0 ]]; then
    # exit 0 is right only when the write had already committed (replace mode: the new model is in
    # place; a signal sent once the output's files are complete — an --inner trigger — may find the
    # command finished, its output complete)
    if [[ $mode == new && $trig == *--inner* && -d $S/$outn ]]; then
      finished=yes  # judged with the output below
    elif [[ $mode != replace || ! -d $S/$outn ]] || [[ $(sha256sum "$S/$outn/weights.safetensors" | cut -c1-64) == "$before_sha" ]]; then
      v+=("exit 0 after the signal")
    fi
  fi
  [[ $rc == 134 || $rc == 139 || $rc == 136 || $rc == 135 ]] && v+=("JVM crashed (exit $rc)")
  e=$(crash_files); [[ -n $e ]] && v+=("JVM crash report $e left in the working directory")
  javaish "$err" "$out" && v+=("Java exception text")
  while IFS= read -r e; do
    [[ -z $e ]] && continue
    if [[ $e == ".$outn.tmp-"* || $e == ".$outn.old-"* ]]; then hidden+=("$e")
    elif [[ $e != "$outn" ]]; then v+=("left $e"); fi  # the output itself is judged below
  done <<<"$new"
  if [[ $mode == replace ]]; then
    if [[ -d $S/$outn ]]; then
      local mc; mc=$(modelcheck "$S/$outn")
      [[ $mc == ok ]] || v+=("$outn is now an inconsistent model ($mc)")
    elif ! ls -A "$S" | grep -q "^\.$outn\.old-"; then
      v+=("$outn is gone and no .old copy is left")
    fi
  elif [[ -e $S/$outn ]]; then
    # The JVM sees a signal milliseconds after it arrives: one that lands during the commit finds the
    # output complete. Allowed only when the output is a consistent model and hetmerge said it is kept.
    local mc; mc=$(modelcheck "$S/$outn")
    if [[ $mc == ok && -n $finished ]]; then committed_note=" — the command had finished when the signal took effect (exit 0, output complete)"
    elif [[ $mc == ok ]] && kept_said "$err" "$outn"; then committed_note=" — the signal came as the output was committed: complete, kept and said so"
    else v+=("$outn exists after the interrupted write (committed, $mc, exit $rc, $(kept_said "$err" "$outn" && echo "said kept" || echo "no 'interrupted after … kept' line"))"); fi
  fi
  local verdict
  if [[ ${#v[@]} -eq 0 ]]; then
    verdict="OK"
    [[ ${#hidden[@]} -gt 0 ]] && verdict="OK (hidden leftover ${hidden[0]%%-[0-9]*}-…; rerun row below)"
    verdict+=$committed_note
    if [[ $mode == replace && -d $S/$outn ]]; then
      local now; now=$(sha256sum "$S/$outn/weights.safetensors" | cut -c1-64)
      [[ $now == "$before_sha" ]] && verdict+=" — old model kept" || verdict+=" — new model committed"
    elif [[ $mode == replace ]]; then
      verdict+=" — model only as hidden .old copy until the next write"
    fi
  else
    verdict="BAD: $(join "${v[@]}")"
  fi
  local fl; fl=$(grep -m1 '^hetmerge: error:' "$err" | cut -c1-160); [[ -z $fl ]] && fl=$(first_line "$err")
  [[ -z $fl ]] && fl="(empty)"
  local when; when=$("$PY" -c 'import json,sys; n=json.load(open(sys.argv[1])); print(("at %ss" % n["t"]) if "t" in n else "", n.get("trigger",""))' "$note" 2>/dev/null)
  add_row "$C" "$name [$when]" "SIG$sig during: $cmd" "$rc" "$fl" "$verdict"
}
TRS='./hetmerge train --arch resnet --depth 8 --width 0.5 --epochs 1 --limit 1500 --classes 0-4 --out $W/sig'
TMP_RE() { echo "--create ^\\.$1\\.tmp-[0-9]+-[0-9]+\$ --watch $S"; }
sig_case "train: SIGINT at JVM start" INT t1 "--after 0.6" "$TRS/t1"
sig_case "train: SIGTERM mid-training" TERM t2 "--line ^training --delay 1.0" "$TRS/t2"
sig_case "train: SIGKILL mid-training" KILL t3 "--line ^training --delay 1.0" "$TRS/t3"
sig_case "train: SIGINT when the write starts" INT t4 "$(TMP_RE t4)" "$TRS/t4"
sig_case "train: SIGTERM after weights written" TERM t5 "$(TMP_RE t5) --inner ^weights\\.safetensors\$" "$TRS/t5"
sig_case "train: SIGKILL when the write starts" KILL t6 "$(TMP_RE t6)" "$TRS/t6"
sig_case "train: SIGKILL after model.json written" KILL t7 "$(TMP_RE t7) --inner ^model\\.json\$" "$TRS/t7"
# Repeated: a signal at several points of training / merging (a JVM crash here is intermittent).
sig_stress() {  # NAME SIGNAL KIND(train|merge) DELAYS...
  local name=$1 sig=$2 kind=$3; shift 3
  local d k=0 crashes=() rcs=() left=() other=() cmd note rc
  for d in "$@"; do
    k=$((k + 1))
    local outn="${kind:0:1}s$sig$k"
    if [[ $kind == train ]]; then cmd="$TRS/$outn"; else cmd="${MGS/--calib 200/--calib 400}/$outn"; fi
    local out=$A/logs/stress-$outn.out err=$A/logs/stress-$outn.err note=$A/logs/stress-$outn.note
    local re; [[ $kind == train ]] && re='^training' || re='^merging'
    (cd "$REPO" && W="$W" H="$H" "$PY" "$A/sigrun.py" --sig "$sig" --line "$re" --delay "$d" --out "$out" --err "$err" --note "$note" -- bash -c "$cmd")
    rc=$("$PY" -c 'import json,sys; n=json.load(open(sys.argv[1])); print(n["rc"] if n["delivered"] else "late")' "$note" 2>/dev/null || echo "?")
    rcs+=("$rc")
    local cf; cf=$(crash_files)
    [[ $rc == 134 || $rc == 139 || -n $cf ]] && crashes+=("${d}s: exit $rc${cf:+, $cf}")
    [[ $rc == late ]] && continue   # finished before the signal: its output is legitimate
    javaish "$err" "$out" && [[ $rc != 134 && $rc != 139 ]] && other+=("${d}s: Java text")
    ls -A "$S" | grep -qx "$outn" && left+=("$outn")
    ls -A "$S" | grep -q "^\.$outn\." && left+=("hidden $(ls -A "$S" | grep "^\.$outn\." | head -n 1)")
  done
  local v=()
  [[ ${#crashes[@]} -gt 0 ]] && v+=("JVM crashed in ${#crashes[@]} of $k runs (${crashes[*]}; hs_err_pid*.log written to the working directory)")
  [[ ${#left[@]} -gt 0 ]] && v+=("left ${left[*]}")
  [[ ${#other[@]} -gt 0 ]] && v+=("${other[*]}")
  local verdict="OK (exits ${rcs[*]})"
  [[ ${#v[@]} -gt 0 ]] && verdict="BAD: $(join "${v[@]}")"
  add_row "$C" "$name, $k runs at +$(IFS=,; echo "$*") s" "SIG$sig during: $cmd (OUT = ${kind:0:1}s$sig<k>)" "${rcs[*]}" "$(first_line "$A/logs/stress-${kind:0:1}s${sig}1.err")" "$verdict"
}
MGS='./hetmerge merge $W/fx/a $W/fx/b --calib 200 --out $W/sig'
sig_stress "train: SIGINT mid-training" INT train 0.3 0.6 0.9 1.2 1.5 1.8 2.1 2.4
sig_stress "train: SIGTERM mid-training" TERM train 0.3 0.6 0.9 1.2 1.5 1.8 2.1 2.4
sig_case "merge: SIGINT mid-merge" INT m1 "--line ^merging --delay 0.5" "$MGS/m1"
sig_case "merge: SIGKILL mid-merge" KILL m2 "--line ^merging --delay 0.5" "$MGS/m2"
sig_case "merge: SIGTERM when the write starts" TERM m3 "$(TMP_RE m3)" "$MGS/m3"
sig_case "merge: SIGINT after report.json written" INT m4 "$(TMP_RE m4) --inner ^report\\.json\$" "$MGS/m4"
sig_case "merge: SIGKILL after weights written" KILL m5 "$(TMP_RE m5) --inner ^weights\\.safetensors\$" "$MGS/m5"
# Repeated: the signal while the output's files are being written (process stopped as the named file is
# complete, signalled, resumed). BAD when an interrupted run still commits its output.
sig_write_stress() {  # NAME SIGNAL KIND(train|merge) INNER-REGEX RUNS
  local name=$1 sig=$2 kind=$3 inner=$4 n=$5 k rc cmd outn committed=() kept=() rcs=() other=() hidden=()
  for k in $(seq 1 "$n"); do
    outn="w${kind:0:1}$sig$k"
    if [[ $kind == train ]]; then cmd="$TRW/$outn"; else cmd="$MGS/$outn"; fi
    local out=$A/logs/wstress-$outn.out err=$A/logs/wstress-$outn.err note=$A/logs/wstress-$outn.note
    (cd "$REPO" && W="$W" H="$H" "$PY" "$A/sigrun.py" --sig "$sig" --create "^\.$outn\.tmp-[0-9]+-[0-9]+\$" --watch "$S" --inner "$inner" \
       --out "$out" --err "$err" --note "$note" -- bash -c "$cmd")
    rc=$("$PY" -c 'import json,sys; n=json.load(open(sys.argv[1])); print(n["rc"] if n["delivered"] else "late")' "$note" 2>/dev/null || echo "?")
    rcs+=("$rc")
    local cf; cf=$(crash_files); [[ -n $cf ]] && other+=("run $k: JVM crash $cf")
    [[ $rc == late ]] && { other+=("run $k: signal not delivered"); continue; }
    javaish "$err" "$out" && other+=("run $k: Java text")
    if [[ -d $S/$outn ]]; then
      # Committed as the signal arrived: fine only when complete and said (see sig_case).
      if [[ $(modelcheck "$S/$outn") == ok ]] && { [[ $rc == 0 ]] || kept_said "$err" "$outn"; }; then kept+=("$k (exit $rc)")
      else committed+=("$k (exit $rc)"); fi
    fi
    ls -A "$S" | grep -q "^\.$outn\." && hidden+=("$(ls -A "$S" | grep "^\.$outn\." | head -n 1)")
  done
  local v=()
  [[ ${#committed[@]} -gt 0 ]] && v+=("${#committed[@]} of $n signalled runs committed their output without saying it is complete and kept: runs $(join "${committed[@]}")")
  [[ ${#other[@]} -gt 0 ]] && v+=("${other[*]}")
  local verdict="OK (exits ${rcs[*]}; ${kept:+runs ${kept[*]} committed as the signal took effect: complete, and said so (exit 130/143) or finished (exit 0); others }no output committed${hidden:+; hidden leftovers ${hidden[*]}})"
  [[ ${#v[@]} -gt 0 ]] && verdict="BAD: $(join "${v[@]}")"
  add_row "$C" "$name, $n runs" "SIG$sig when $inner is written into the temporary dir of: $cmd (OUT = w${kind:0:1}$sig<k>)" "${rcs[*]}" "$(first_line "$A/logs/wstress-w${kind:0:1}${sig}1.err")" "$verdict"
}
TRW='./hetmerge train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 --out $W/sig'
sig_write_stress "merge: SIGINT once report.json is written" INT merge '^report\.json$' 5
sig_write_stress "merge: SIGTERM once weights are written" TERM merge '^weights\.safetensors$' 4
sig_write_stress "train: SIGINT once weights are written" INT train '^weights\.safetensors$' 4
sig_stress "merge: SIGTERM mid-merge" TERM merge 0.1 0.25 0.4 0.55 0.7 0.85
# Replacing an existing merge output (--force): at the moment the old one is renamed aside.
./hetmerge merge "$FX/a" "$FX/b" --calib 200 -q --out "$S/mr1" >/dev/null 2>&1 && cp -a "$S/mr1" "$S/mr2"
ORIG_MR2=$(sha256sum "$S/mr2/weights.safetensors" | cut -c1-64)
sig_case "merge --force: SIGINT when the old output is moved aside" INT mr1 "--create ^\\.mr1\\.old- --watch $S" "${MGS/--calib 200/--calib 100 --force}/mr1" replace
# strace holds the process for 5 s right after its first rename of $W/sig/mr2 (the old output moved aside),
# so that the kill lands between that rename and the one that moves the new output in.
sig_case "merge --force: SIGKILL between moving the old output aside and the new one in" KILL mr2 "--create ^\\.mr2\\.old- --watch $S" \
  "strace -f -qq -o /dev/null --seccomp-bpf -P \$W/sig/mr2 -e trace=rename -e inject=rename:delay_exit=5000000:when=1 ${MGS/--calib 200/--calib 100 --force}/mr2" replace

# Later runs clean up: every output with hidden leftovers is written again.
rerun_case() {  # OUTNAME CMD [expect-exit] [CHECK]
  local outn=$1 cmd=$2 want=${3:-0} check=${4:-}
  local left; left=$(ls -A "$S" | grep -c "^\.$outn\.\(tmp\|old\)-")
  local out=$A/logs/$((N + 1)).out err=$A/logs/$((N + 1)).err
  (cd "$REPO" && W="$W" H="$H" timeout -k 10 150 bash -c "$cmd") >"$out" 2>"$err" </dev/null
  local rc=$? v=()
  local after; after=$(ls -A "$S" | grep "^\.$outn\.\(tmp\|old\)-" | head -n 1)
  [[ $rc -eq $want ]] || v+=("exit $rc, expected $want")
  [[ -z $after ]] || v+=("leftover $after still there")
  javaish "$err" "$out" && v+=("Java exception text")
  [[ -d $S/$outn && $(modelcheck "$S/$outn") == ok ]] || v+=("no consistent $outn afterwards")
  local extra=""
  if [[ -n $check ]]; then local q; q=$($check); [[ $q == OK:* ]] && extra="; ${q#OK: }" || v+=("$q"); fi
  local verdict="OK: $left hidden leftover(s) before, none after$extra"
  [[ ${#v[@]} -gt 0 ]] && verdict="BAD: $(join "${v[@]}")"
  local fl; fl=$(first_line "$err"); [[ -z $fl ]] && fl="(empty)"
  add_row "$C" "later write to $outn cleans leftovers" "$cmd" "$rc" "$fl" "$verdict"
}
for t in t1 t2 t3 t4 t5 t6 t7; do
  if ls -A "$S" | grep -q "^\.$t\.\(tmp\|old\)-"; then rerun_case "$t" "${TRS/--limit 1500/--limit 300 -q}/$t"; fi
done
for m in m1 m2 m3 m4 m5; do
  if ls -A "$S" | grep -q "^\.$m\.\(tmp\|old\)-"; then rerun_case "$m" "${MGS/--calib 200/--calib 50 -q}/$m"; fi
done
chk_mr2() {
  local now; now=$(sha256sum "$S/mr2/weights.safetensors" 2>/dev/null | cut -c1-64)
  [[ $now == "$ORIG_MR2" ]] && echo "OK: the old mr2 was put back byte-identical and not replaced without --force" || echo "mr2 is not the output from before the kill"
}
if ls -A "$S" | grep -q '^\.mr2\.old-'; then
  # without --force: the killed replacement's old output must come back, so the write is refused
  rerun_case mr2 "${MGS/--calib 200/--calib 50 -q}/mr2" 2 chk_mr2
fi

# ---------------------------------------------------------------------------------------------
# 7. concurrency
# ---------------------------------------------------------------------------------------------
C="concurrency"
K=$W/conc
mkdir -p "$K"
# Runs two command lines at once (the second after DELAY seconds); sets RC1 RC2 and logs.
pair() {  # CMD1 CMD2 DELAY
  local o1=$A/logs/$((N + 1)).1 o2=$A/logs/$((N + 1)).2
  (cd "$REPO" && W="$W" H="$H" timeout -k 10 200 bash -c "$1") >"$o1.out" 2>"$o1.err" </dev/null &
  local p1=$!
  sleep "${3:-0}"
  (cd "$REPO" && W="$W" H="$H" timeout -k 10 200 bash -c "$2") >"$o2.out" 2>"$o2.err" </dev/null &
  local p2=$!
  wait $p1; RC1=$?
  wait $p2; RC2=$?
  E1=$o1.err; E2=$o2.err; O1=$o1.out; O2=$o2.out
}
# A failure in a concurrent case must be one clean error line (exit 2); prints problems.
clean_fail() {  # RC ERR OUT
  local p=()
  [[ $1 -eq 2 ]] || p+=("exit $1")
  local q; q=$(err_problems "$2" "$3"); [[ -n $q ]] && p+=("$q")
  q=$(crash_files); [[ -n $q ]] && p+=("JVM crash report $q")
  join "${p[@]}"
}
no_leftovers() {  # DIR NAME
  ls -A "$1" | grep "^\.$2\.\(tmp\|old\)-" | head -n 1
}
errline() { local l; l=$(grep -m1 '^hetmerge: error:' "$1" | cut -c1-160); [[ -z $l ]] && l=$(first_line "$1"); echo "${l:-(empty)}"; }

# (1) two trains to the same new --out, different seeds
c1='./hetmerge train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 -q --seed 11 --out $W/conc/same'
c2=${c1/--seed 11/--seed 12}
pair "$c1" "$c2" 0
v=()
if [[ $RC1 -eq 0 && $RC2 -eq 0 ]]; then v+=("both exited 0: one silently replaced the other without --force")
elif [[ $RC1 -eq 0 || $RC2 -eq 0 ]]; then
  if [[ $RC1 -eq 0 ]]; then win=11; p=$(clean_fail $RC2 "$E2" "$O2"); el=$(errline "$E2"); else win=12; p=$(clean_fail $RC1 "$E1" "$O1"); el=$(errline "$E1"); fi
  [[ -n $p ]] && v+=("loser: $p")
  [[ $(mk field "$K/same/model.json" seed 2>/dev/null) == "$win" ]] || v+=("the output is not the winner's model (seed $win)")
  [[ $(modelcheck "$K/same") == ok ]] || v+=("output inconsistent")
else v+=("both failed ($RC1, $RC2)"); el=$(errline "$E1"); fi
[[ -z $(no_leftovers "$K" same) ]] || v+=("leftover $(no_leftovers "$K" same)")
add_row "$C" "two trains, same new --out" "$c1 & $c2" "$RC1,$RC2" "${el:-(empty)}" "$([[ ${#v[@]} -eq 0 ]] && echo "OK (one wins, the other refused cleanly)" || echo "BAD: $(join "${v[@]}")")"

# Two --force writers of one output (after `pair`): v lists a run that failed unclearly, or both
# failing; el is a failed run's error line.
forced_pair_verdicts() {
  v=(); el="(empty)"
  local k rc_ e_ o_ p
  for k in 1 2; do
    rc_=RC$k; e_=E$k; o_=O$k
    if [[ ${!rc_} -ne 0 ]]; then p=$(clean_fail "${!rc_}" "${!e_}" "${!o_}"); [[ -n $p ]] && v+=("run $k: $p"); el=$(errline "${!e_}"); fi
  done
  [[ $RC1 -ne 0 && $RC2 -ne 0 ]] && v+=("both failed")
}

# (2) two trains with --force to the same existing --out
cp -a "$FX/a" "$K/forced"
c1='./hetmerge train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 -q --seed 21 --force --out $W/conc/forced'
c2=${c1/--seed 21/--seed 22}
pair "$c1" "$c2" 0
forced_pair_verdicts
s=$(mk field "$K/forced/model.json" seed 2>/dev/null)
[[ $s == 21 || $s == 22 ]] || v+=("final model is neither run's (seed $s)")
[[ $(modelcheck "$K/forced") == ok ]] || v+=("final model inconsistent")
[[ -z $(no_leftovers "$K" forced) ]] || v+=("leftover $(no_leftovers "$K" forced)")
add_row "$C" "two trains --force, same existing --out" "$c1 & $c2" "$RC1,$RC2" "$el" "$([[ ${#v[@]} -eq 0 ]] && echo "OK (final: seed $s, consistent)" || echo "BAD: $(join "${v[@]}")")"

# Reference merges for the race checks: X (seed 1) + b, and X' (seed 5) + b.
cp -a "$FX/a" "$K/X"
cp -a "$FX/a" "$K/Xold"
./hetmerge train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 -q --seed 5 --out "$K/Xnew" >/dev/null 2>&1
./hetmerge merge "$K/Xold" "$FX/b" --calib 200 -q --out "$K/ref-old" >/dev/null 2>&1
./hetmerge merge "$K/Xnew" "$FX/b" --calib 200 -q --out "$K/ref-new" >/dev/null 2>&1
REF_OLD=$(sha256sum "$K/ref-old/weights.safetensors" | cut -c1-64)
REF_NEW=$(sha256sum "$K/ref-new/weights.safetensors" | cut -c1-64)
# merge result check: exit 0 with weights of old+b or new+b, or a clean exit 2 and no output
merge_race_verdict() {  # RC ERR OUT OUTDIR: prints the verdict
  local rc=$1 v=() what=""
  if [[ $rc -eq 0 ]]; then
    local s; s=$(sha256sum "$4/weights.safetensors" 2>/dev/null | cut -c1-64)
    if [[ $s == "$REF_OLD" ]]; then what="merged the old X"
    elif [[ $s == "$REF_NEW" ]]; then what="merged the new X"
    else v+=("exit 0 but the merged weights match neither old X + b nor new X + b (silent mix)"); fi
    [[ $(modelcheck "$4") == ok ]] || v+=("merged model inconsistent")
    [[ ${5:-} == no-success ]] && v+=("exit 0 although X was gone or changed before its weights were read")
  else
    what="refused"
    local p; p=$(clean_fail "$rc" "$2" "$3"); [[ -n $p ]] && v+=("$p")
    [[ -e $4 ]] && v+=("left $4")
  fi
  local c; c=$(crash_files); [[ -n $c ]] && v+=("JVM crash report $c")
  if [[ ${#v[@]} -eq 0 ]]; then echo "OK ($what)"; else echo "BAD: $(join "${v[@]}")"; fi
}
retrain_x() {  # back to X = seed 1
  rm -rf "$K/X"; cp -a "$FX/a" "$K/X"
}
STR='strace -f -qq -o /dev/null --seccomp-bpf -P $W/conc/X/weights.safetensors -e trace=openat -e inject=openat:delay_enter=8000000'

# (3) train --force replaces X while merge has read X/model.json and waits (8 s, strace) to open its weights
c1="$STR ./hetmerge merge \$W/conc/X \$W/fx/b --calib 200 -q --out \$W/conc/mx1"
c2='./hetmerge train --arch mlp --depth 1 --width 16 --epochs 1 --limit 1000 --classes 0-4 -q --seed 5 --force --out $W/conc/X'
pair "$c1" "$c2" 1
p=$(merge_race_verdict $RC1 "$E1" "$O1" "$K/mx1")
[[ $RC2 -eq 0 ]] || p="BAD: the train --force failed (rc $RC2), race not exercised; $p"
add_row "$C" "train --force replaces X during merge's read (forced)" "$c1 & $c2" "$RC1,$RC2" "$(errline "$E1")" "$p"

# (4) the same without strace: natural timing, train --force started 1.5 s after the merge
retrain_x
c1='./hetmerge merge $W/conc/X $W/fx/b --calib 200 -q --out $W/conc/mx2'
pair "$c1" "$c2" 1.5
p=$(merge_race_verdict $RC1 "$E1" "$O1" "$K/mx2")
add_row "$C" "train --force replaces X during a merge (natural)" "$c1 & $c2" "$RC1,$RC2" "$(errline "$E1")" "$p"

# (5) eval of X while train --force replaces it (forced)
retrain_x
c1="$STR ./hetmerge eval \$W/conc/X -q"
pair "$c1" "$c2" 1
v=()
if [[ $RC1 -ne 0 ]]; then p=$(clean_fail $RC1 "$E1" "$O1"); [[ -n $p ]] && v+=("$p"); fi
add_row "$C" "train --force replaces X during eval's read (forced)" "$c1 & $c2" "$RC1,$RC2" "$(errline "$E1")" "$([[ ${#v[@]} -eq 0 ]] && echo "OK (exit $RC1)" || echo "BAD: $(join "${v[@]}")")"

# (6) X deleted while merge waits to open its weights (forced)
retrain_x
c1="$STR ./hetmerge merge \$W/conc/X \$W/fx/b --calib 200 -q --out \$W/conc/mx3"
pair "$c1" 'rm -rf $W/conc/X' 1
p=$(merge_race_verdict $RC1 "$E1" "$O1" "$K/mx3" no-success)
add_row "$C" "X deleted during merge's read (forced)" "$c1 & rm -rf \$W/conc/X" "$RC1,$RC2" "$(errline "$E1")" "$p"

# (7) X's weights overwritten in place with another model's (same shapes) during merge's read (forced)
retrain_x
c1="$STR ./hetmerge merge \$W/conc/X \$W/fx/b --calib 200 -q --out \$W/conc/mx4"
pair "$c1" 'cp $W/conc/Xnew/weights.safetensors $W/conc/X/weights.safetensors' 1
p=$(merge_race_verdict $RC1 "$E1" "$O1" "$K/mx4" no-success)
add_row "$C" "X's weights overwritten in place during merge's read (forced)" "$c1 & cp \$W/conc/Xnew/weights.safetensors \$W/conc/X/" "$RC1,$RC2" "$(errline "$E1")" "$p"

# (8) two merges to the same new --out
c1='./hetmerge merge $W/fx/a $W/fx/b --calib 200 -q --out $W/conc/mm'
c2='./hetmerge merge $W/fx/a $W/fx/b --calib 100 -q --out $W/conc/mm'
pair "$c1" "$c2" 0
v=(); el="(empty)"
if [[ $RC1 -eq 0 && $RC2 -eq 0 ]]; then v+=("both exited 0 without --force")
elif [[ $RC1 -ne 0 && $RC2 -ne 0 ]]; then v+=("both failed ($RC1, $RC2)"); el=$(errline "$E1")
else
  if [[ $RC1 -ne 0 ]]; then p=$(clean_fail $RC1 "$E1" "$O1"); el=$(errline "$E1"); want=100; else p=$(clean_fail $RC2 "$E2" "$O2"); el=$(errline "$E2"); want=200; fi
  [[ -n $p ]] && v+=("loser: $p")
  [[ $(modelcheck "$K/mm") == ok ]] || v+=("output inconsistent")
fi
[[ -z $(no_leftovers "$K" mm) ]] || v+=("leftover $(no_leftovers "$K" mm)")
add_row "$C" "two merges, same new --out" "$c1 & $c2" "$RC1,$RC2" "$el" "$([[ ${#v[@]} -eq 0 ]] && echo "OK (one wins, the other refused cleanly)" || echo "BAD: $(join "${v[@]}")")"

# (9) two merges --force to the same existing --out
c1='./hetmerge merge $W/fx/a $W/fx/b --calib 200 -q --force --out $W/conc/mm'
c2='./hetmerge merge $W/fx/a $W/fx/b --method permute --calib 100 -q --force --out $W/conc/mm'
pair "$c1" "$c2" 0
forced_pair_verdicts
[[ $(modelcheck "$K/mm") == ok ]] || v+=("final model inconsistent")
meth=$(mk field "$K/mm/report.json" method 2>/dev/null)
[[ -z $(no_leftovers "$K" mm) ]] || v+=("leftover $(no_leftovers "$K" mm)")
add_row "$C" "two merges --force, same existing --out" "$c1 & $c2" "$RC1,$RC2" "$el" "$([[ ${#v[@]} -eq 0 ]] && echo "OK (final: $meth, consistent)" || echo "BAD: $(join "${v[@]}")")"

# ---------------------------------------------------------------------------------------------
# Table and summary
# ---------------------------------------------------------------------------------------------
TABLE=$W/hostile-table.md
{
  echo "# hetmerge hostile-input audit"
  echo
  echo "Commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%MZ), $(( $(date +%s) - T_START )) s. \`\$W\` = $W, \`\$H\` = $H. Exit 2 = bad input, 1 = internal error."
  echo
  echo "| # | category | case | command | exit | stderr (first line) | verdict |"
  echo "|---:|---|---|---|---:|---|---|"
  i=0
  while IFS=$'\t' read -r cat name cmd rc fl verdict; do
    i=$((i + 1))
    cmd=${cmd//$W/\$W}; fl=${fl//$W/\$W}; verdict=${verdict//$W/\$W}
    [[ ${#cmd} -gt 400 ]] && cmd="${cmd:0:300}…${cmd: -60}"
    cmd=${cmd//\`/\'}
    printf '| %d | %s | %s | `%s` | %s | %s | %s |\n' "$i" "$cat" "$name" "$cmd" "$rc" "$fl" "$verdict"
  done <"$ROWS"
  echo
  echo "## Summary"
  echo
  tot_ok=0; tot_bad=0
  for cat in "model dir" weights data options "output paths" signals concurrency; do
    ok=$(awk -F'\t' -v c="$cat" '$1 == c && $6 ~ /^OK/' "$ROWS" | wc -l)
    bad=$(awk -F'\t' -v c="$cat" '$1 == c && $6 !~ /^OK/' "$ROWS" | wc -l)
    tot_ok=$((tot_ok + ok)); tot_bad=$((tot_bad + bad))
    echo "- $cat: $ok OK / $bad BAD"
  done
  echo "- **total: $tot_ok OK / $tot_bad BAD** ($((tot_ok + tot_bad)) cases)"
} >"$TABLE"
cat "$TABLE"
