#!/usr/bin/python3
# torch_ema_check.py CKPT - run by hand (needs Debian's python3-torch): loads
# the G and G_ema tensors of a dcgan-mnist(-ema) checkpoint into PyTorch's
# nn.Sequential of the MNIST notebook with load_state_dict(strict=True)
# after the prefix strip, runs it in eval mode on the checkpoint's fixed
# noise and compares with gan-sample --fixed [--ema] (gantools on PATH or in
# build/bin). Prints the largest difference of each; exits 1 above 1e-4.
import json, os, struct, subprocess, sys, tempfile
import numpy as np
import torch
from torch import nn

ckpt = sys.argv[1]
raw = open(ckpt, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
head = json.loads(raw[8:8 + n])
dt = {"F32": np.float32, "I64": np.int64}
t = {k: torch.from_numpy(np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]],
                                       dt[v["dtype"]]).reshape(v["shape"]).copy())
     for k, v in head.items() if k != "__metadata__"}
G = nn.Sequential(nn.Linear(100, 6272), nn.BatchNorm1d(6272), nn.ReLU(True), nn.Unflatten(1, (128, 7, 7)),
                  nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(True),
                  nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
here = os.path.dirname(os.path.abspath(__file__))
tool = os.path.join(here, "..", "build", "bin", "gan-sample")
tool = tool if os.path.exists(tool) else "gan-sample"
worst = 0
for prefix, flags in (("G.", []), ("G_ema.", ["--ema"])):
    if not any(k.startswith(prefix) for k in t):
        continue
    G.load_state_dict({k[len(prefix):]: v for k, v in t.items() if k.startswith(prefix)}, strict=True)
    G.eval()
    with torch.no_grad():
        want = G(t["noise.fixed"]).numpy()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([tool, ckpt, "--fixed", "-o", d + "/s.npy"] + flags, check=True)
        got = np.load(d + "/s.npy")
    diff = float(abs(got - want).max())
    worst = max(worst, diff)
    print("%-7s load_state_dict ok, max |gantools - torch| = %.3g" % (prefix, diff))
sys.exit(0 if worst <= 1e-4 else 1)
