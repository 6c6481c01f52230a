#!/usr/bin/env bats
# gan-init.bats - gan-init: presets and model files to checkpoints, seeds,
# error messages, and a checkpoint PyTorch's load_state_dict accepts.

[ -f "$BATS_TEST_DIRNAME/helper.bash" ] && load helper
PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"
PY=/usr/bin/python3

enter() { cd "$BATS_TEST_TMPDIR"; }

@test "gan-init: --help and --version exit 0, no argument is a usage error" {
	run gan-init --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: gan-init"* ]]
	run gan-init --version
	[ "$status" -eq 0 ]
	[[ "$output" == "gan-init (gantools) "* ]]
	run gan-init
	[ "$status" -eq 1 ]
	[[ "$output" == "usage: gan-init"* ]]
}

@test "gan-init: every preset makes a checkpoint; same seed, same bytes" {
	enter
	for p in gaussian2d gaussian1d gaussian1d-mbd dcgan-mnist dcgan64; do
		gan-init "$p" -o "$p.st"
		[ -s "$p.st" ]
	done
	gan-init gaussian2d --seed 0 > a.st
	cmp a.st gaussian2d.st
	gan-init gaussian2d --seed 5 > b.st
	! cmp -s a.st b.st
}

@test "gan-init: a model file path and stdin" {
	enter
	printf '[model]\ndata = 2\nlatent = 3\n[G]\nlinear 3 2\n[D]\nlinear 2 1\n' > tiny.model
	gan-init tiny.model -o t1.st
	gan-init - < tiny.model > t2.st
	[ -s t1.st ]
	run gan-sample t1.st -n 3
	[ "$status" -eq 0 ]
}

@test "gan-init: unknown preset, bad model line, bad seed" {
	enter
	run gan-init nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "gan-init: nosuch: no such model file or preset" ]
	printf '[model]\ndata = 2\nlatent = 2\n[G]\nlinear 2 2\n[D]\nlinear 2 5\nfoo\n' > bad.model
	run gan-init bad.model
	[ "$status" -eq 1 ]
	[ "$output" = "gan-init: bad.model:8: unknown layer 'foo'" ]
	printf '[model]\ndata = 2\nlatent = 2\n[G]\nlinear 2 3\n[D]\nlinear 2 1\n' > shape.model
	run gan-init shape.model
	[ "$status" -eq 1 ]
	[ "$output" = "gan-init: shape.model:5: G's output is 3, the data shape is 2" ]
	run gan-init gaussian2d --seed -1
	[ "$status" -eq 1 ]
	run gan-init gaussian2d -o /nonexistent/dir/x.st
	[ "$status" -ne 0 ]
}

@test "gan-init: tensor names, shapes and metadata as documented" {
	enter
	gan-init dcgan-mnist -o m.st
	run $PY - m.st <<'PY'
import json, struct, sys
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
m = h.pop('__metadata__')
assert m['format'] == 'gantools-checkpoint-1' and m['step'] == '0' and m['batch'] == '64'
assert '[G]' in m['model'] and m['model_name'] == 'dcgan-mnist'
assert h['G.0.weight']['shape'] == [6272, 100]
assert h['G.4.weight']['shape'] == [128, 64, 4, 4]
assert h['G.1.num_batches_tracked'] == {'dtype': 'I64', 'shape': [], 'data_offsets': h['G.1.num_batches_tracked']['data_offsets']}
assert h['D.6.weight']['shape'] == [1, 6272]
assert h['opt.D.3.bias.v']['shape'] == [128]
assert h['noise.fixed']['shape'] == [25, 100]
print('ok')
PY
	[ "$status" -eq 0 ]
	[ "$output" = "ok" ]
}

@test "gan-init: PyTorch load_state_dict accepts G and D" {
	enter
	$PY -c 'import torch' 2>/dev/null || skip "no torch"
	gan-init dcgan-mnist -o m.st
	run $PY - m.st <<'PY'
import json, struct, sys, numpy as np, torch
from torch import nn
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n]); h.pop('__metadata__')
dt = {'F32': np.float32, 'I64': np.int64}
sd = {k: torch.from_numpy(np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]],
      dt[v['dtype']]).reshape(v['shape']).copy()) for k, v in h.items()}
G = nn.Sequential(nn.Linear(100, 6272), nn.BatchNorm1d(6272), nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
    nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128),
    nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(6272, 1), nn.Sigmoid())
G.load_state_dict({k[2:]: v for k, v in sd.items() if k.startswith('G.')})
D.load_state_dict({k[2:]: v for k, v in sd.items() if k.startswith('D.')})
w = sd['G.0.weight']
assert abs(float(w.abs().max()) - 0.1) < 0.01   # U(-1/sqrt(100), 1/sqrt(100))
print('ok')
PY
	[ "$status" -eq 0 ]
	[ "$output" = "ok" ]
}
