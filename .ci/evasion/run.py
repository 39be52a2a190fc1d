#!/usr/bin/env python3
"""Runs the evasion cases gen.py (or gen2.py to gen6.py) wrote through `spanwatch analyze`, one after another, and prints one
line per case (OK: every expected sha256 among the fileinfo events, no forbidden one, exit 0, no
exception and no internal error) and a total.

    python3 .ci/evasion/run.py CASES_DIR [--launcher PATH] [CASE...]

The launcher defaults to this repository's ./spanwatch (SPANWATCH_NO_BUILD=1: build it first)."""
import json, os, shutil, subprocess, sys, tempfile

args = sys.argv[1:]
if not args or args[0].startswith('-'):
    sys.exit(__doc__)
cases = args.pop(0)
launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'spanwatch')
if args[:1] == ['--launcher']:
    launcher = args[1]
    args = args[2:]
names = args or sorted(os.listdir(cases))
work = tempfile.mkdtemp(prefix='evasion-')
ok = miss = 0
for n in names:
    d = os.path.join(cases, n)
    meta = json.load(open(os.path.join(d, 'meta.json')))
    out = os.path.join(work, n)
    cmd = [launcher, 'analyze', '--no-progress', '--out', out, '--set', 'scan.enabled=false', '--set', 'index.enabled=false',
           '--set', 'correlate.enabled=false', '--set', 'sensor.workers=1']
    for s in meta['sets']:
        cmd += ['--set', s]
    cmd.append(os.path.join(d, 'case.pcap'))
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, SPANWATCH_NO_BUILD='1'))
    got, states, anomalies, internal = [], [], set(), 0
    try:
        for line in open(os.path.join(out, 'eve.json')):
            e = json.loads(line)
            t = e.get('event_type')
            if t == 'fileinfo':
                got.append(e['fileinfo'].get('sha256'))
                states.append(e['fileinfo'].get('state'))
            elif t == 'anomaly':
                a = e.get('anomaly', {})
                anomalies.add(a.get('event') or a.get('type'))
            elif t == 'stats':
                ie = e.get('stats', {}).get('internal', {})
                if isinstance(ie, dict) and any(v for v in ie.values() if isinstance(v, (int, float))):
                    internal = 1
    except FileNotFoundError:
        pass
    err = p.returncode != 0 or 'Exception' in p.stderr or internal
    good = all(x in got for x in meta['expected']) and not any(f in got for f in meta['forbid']) and not err
    ok += good
    miss += not good
    print('%-4s %-34s %-12s exp=%s got=[%s] st=%s%s anom=%s' % (
        'OK' if good else 'MISS', n, meta['class'], ','.join(x[:8] for x in meta['expected']),
        ','.join((g or 'none')[:8] for g in got) or '-', ','.join(str(s) for s in states),
        ' ERR(rc=%d%s)' % (p.returncode, ' internal' if internal else '') if err else '',
        ','.join(sorted(a for a in anomalies if a))[:200]))
    if err and p.stderr:
        print('     stderr:', p.stderr.strip().replace('\n', ' | ')[:400])
    sys.stdout.flush()
shutil.rmtree(work, ignore_errors=True)
print('TOTAL ok=%d miss=%d of %d' % (ok, miss, ok + miss))
