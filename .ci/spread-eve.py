#!/usr/bin/env python3
"""Writes the events of SRC to DST with each timestamp moved a random whole number of days later
(0 to DAYS-1, from SEED), in random order (shuffled, as several sensors' files concatenated) or by
time (sorted). The lines of SRC should be distinct events (repeat-eve.py makes such); both orders of
one SRC, DAYS and SEED hold the same lines.
Usage: spread-eve.py SRC DST DAYS SEED shuffled|sorted"""
import datetime, random, re, sys
src, dst, days, seed, order = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ts = re.compile(r'"timestamp":"(\d{4}-\d\d-\d\d)T')
rnd = random.Random(seed)
out = []
for l in open(src):
    if not l.strip():
        continue
    d = datetime.timedelta(days=rnd.randrange(days))
    m = ts.search(l)
    day = (datetime.date.fromisoformat(m.group(1)) + d).isoformat()
    l = l[:m.start(1)] + day + l[m.end(1):]
    out.append(l if l.endswith('\n') else l + '\n')
if order == 'shuffled':
    rnd.shuffle(out)
elif order == 'sorted':
    out.sort(key=lambda l: ts.search(l).group(0) + l[ts.search(l).end():ts.search(l).end() + 30])
else:
    sys.exit('order must be shuffled or sorted')
with open(dst, 'w') as f:
    f.writelines(out)
print(len(out), 'events over', len({ts.search(l).group(1) for l in out}), 'days')
