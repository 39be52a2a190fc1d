#!/usr/bin/env python3
"""Writes N EVE events to DST by repeating the events of SRC, each round shifted 7 minutes later
and with other flow ids, so every line is a distinct event (the index would fold identical ones).
Usage: repeat-eve.py SRC DST N"""
import re, sys, datetime
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [l.rstrip('\n') for l in open(src) if l.strip()]
ts = re.compile(r'"timestamp":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)')
fid = re.compile(r'"flow_id":(\d+)')
out = open(dst, 'w')
written = 0
k = 0
while written < n:
    shift = datetime.timedelta(minutes=7 * k)
    def t(m):
        d = datetime.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S') + shift
        return '"timestamp":"' + d.strftime('%Y-%m-%dT%H:%M:%S')
    def f(m):
        return '"flow_id":' + str((int(m.group(1)) + k * 1000003) % (1 << 63))
    for l in lines:
        if written >= n:
            break
        out.write(fid.sub(f, ts.sub(t, l, count=1)) + '\n')
        written += 1
    k += 1
out.close()
print(written, k)
