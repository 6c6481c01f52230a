#!/usr/bin/python3
# ckdiff.py A B TOL - compares two gantools checkpoints with json + numpy
# only: the same tensor names, the same schedule metadata (step, epoch,
# epoch_step, rng, optimizer steps), and every F32/I64 tensor (parameters,
# BN running statistics and counts, Adam moments, fixed noise) within TOL:
# max |a - b| / scale, where scale is the largest |b| of the tensor's group
# (one network's parameters, its running means, running variances, Adam m,
# Adam v), so a bias that happens to sit near zero is measured on its
# network's scale, as the gradient checks measure each entry on the
# gradient's scale (float sums in another order differ by a few ulps of the
# terms, not of a result that cancels). Prints the worst tensor, both ways;
# exits 1 beyond TOL or on any mismatch. TOL "worst" prints only the worst
# figure and exits 0 (mpi.bats measures a reference spread with it).
import json, struct, sys
import numpy as np

def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    meta = head.pop("__metadata__", {})
    out = {}
    for k, v in head.items():
        a, b = v["data_offsets"]
        dt = {"F32": "<f4", "I64": "<i8"}.get(v["dtype"])
        if dt:
            out[k] = np.frombuffer(raw[8 + n + a:8 + n + b], dt).astype(np.float64)
    return out, meta

a, ma = load(sys.argv[1])
b, mb = load(sys.argv[2])
only_worst = sys.argv[3] == "worst"
tol = 0.0 if only_worst else float(sys.argv[3])
if sorted(a) != sorted(b):
    sys.exit("tensor names differ")
for k in ("step", "epoch", "epoch_step", "rng", "opt_t_G", "opt_t_D"):
    if ma.get(k) != mb.get(k):
        sys.exit("metadata %s: %r vs %r" % (k, ma.get(k), mb.get(k)))
def group(k):
    """("D", "m") for opt.D.3.weight.m, ("G", "param") for G.0.bias, ..."""
    p = k.split(".")
    if p[0] == "opt" and len(p) > 2:
        return (p[1], p[-1])
    if p[0] in ("G", "D") and p[-1] in ("weight", "bias"):
        return (p[0], "param")
    if p[0] in ("G", "D"):
        return (p[0], p[-1])
    return (k,)

scale = {}
for k in b:
    if b[k].size:
        g = group(k)
        scale[g] = max(scale.get(g, 0.0), np.max(np.abs(b[k])))
worst, name, own = 0.0, "", 0.0
for k in a:
    if not np.all(np.isfinite(a[k])):
        sys.exit("%s: non-finite" % k)
    if not a[k].size:
        continue
    diff = np.max(np.abs(a[k] - b[k]))
    d = diff / max(scale[group(k)], 1e-30)
    if d > worst:
        worst, name, own = d, k, diff / max(np.max(np.abs(b[k])), 1e-30)
if only_worst:
    print("%.6g" % worst)
    sys.exit(0)
print("%d tensors, worst %s %.3g on its group's scale (%.3g on its own), bound %g"
      % (len(a), name, worst, own, tol))
sys.exit(0 if worst <= tol else 1)
