#!/usr/bin/python3
# trajectory.py - the PyTorch MNIST peer's (../shared/peers/torch_dcgan_mnist.py)
# random streams, written out so that gantools can train from exactly the same
# start (bench/trajectory.c): issue 15's question whether gantools and the peer
# differ in anything but their random numbers.
#   trajectory.py SEED STEPS TRAIN_IDX3 OUTDIR [TRAIN_STEPS]
# Replays the peer's RNG calls in its order (manual_seed(SEED); G's and D's
# default initialisation; randperm(60000); randn(64, 100) per step, first its
# 5 warm-up steps, then STEPS steps; after training randn(500, 100) 10 times
# for the samples) and writes to OUTDIR:
#   init.st    G's and D's initial parameters and BN buffers, gantools' names
#   idx.npy    I64 (5 + STEPS, 64): the training images of each step, in order
#   z.npy      F32 (5 + STEPS, 64, 100): each step's latent batch
#   zs.npy     F32 (5000, 100): the latents of the peer's 5,000 samples
#   zs-e1.npy  F32 (5000, 100): those of the peer run for 1 epoch (938 steps:
#              the same streams up to its step 943), when STEPS is above 938
# With TRAIN_STEPS, it also trains the peer's model on them for that many of
# those steps (the peer's step, verbatim) and writes peer-stats.tsv (step,
# loss_d, loss_g, d_x, d_g_z as gantools' log has them) and, when TRAIN_STEPS
# is 5 + STEPS, peer-samples.npy: exactly the samples the peer writes with
# these arguments (a check of this replay: `cmp` them); passing step 943, also
# peer-samples-e1.npy, those of the peer run for 1 epoch.
import json, os, struct, sys
import numpy as np
import torch
from torch import nn

seed, steps, idx3, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
train_steps = int(sys.argv[5]) if len(sys.argv) > 5 else 0
os.makedirs(out, exist_ok=True)
torch.set_num_threads(1)
torch.manual_seed(seed)
raw = open(idx3, 'rb').read()
n, h, w = struct.unpack('>III', raw[4:16])
X = torch.from_numpy(np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, h, w).astype(np.float32) / 255 * 2 - 1)
latent_dim, batch_size = 100, 64


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(
            nn.Linear(latent_dim, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(True),
            nn.Unflatten(1, (128, 7, 7)),
            nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1), nn.Tanh())

    def forward(self, z): return self.model(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(1, 64, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(64, 128, kernel_size=4, stride=2, padding=1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(), nn.Linear(128 * 7 * 7, 1), nn.Sigmoid())

    def forward(self, img): return self.model(img)


def write_st(path, tensors):
    """A safetensors file of float32 tensors, written atomically."""
    header, blobs, off = {}, [], 0
    for name, a in tensors:
        b = np.ascontiguousarray(a, dtype='<f4').tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hj = json.dumps(header, separators=(',', ':')).encode()
    hj += b' ' * (-len(hj) % 8)
    with open(path + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(hj)) + hj + b''.join(blobs))
    os.replace(path + '.tmp', path)


def save_npy(path, a):
    np.save(path + '.tmp.npy', a)
    os.replace(path + '.tmp.npy', path)


G, D = Generator(), Discriminator()
init = []
for prefix, net in (('G', G), ('D', D)):
    for k, v in net.state_dict().items():
        if k.endswith('num_batches_tracked'):
            continue
        init.append((prefix + '.' + k.removeprefix('model.'), v.numpy().copy()))
write_st(os.path.join(out, 'init.st'), init)
perm = torch.randperm(n)
order = list(range(5)) + list(range(steps))
idx = np.stack([perm[(i * batch_size) % (n - batch_size):][:batch_size].numpy() for i in order])
E1 = 5 + 938   # the peer's 1-epoch run: its warm-up and 938 steps
z, rng_e1 = [], None
for k in range(len(order)):
    z.append(torch.randn(batch_size, latent_dim).numpy())
    if k + 1 == E1:   # that run draws its sample latents next
        rng_e1 = torch.get_rng_state()
z = np.stack(z)
zs = torch.cat([torch.randn(500, latent_dim) for _ in range(10)])
save_npy(os.path.join(out, 'idx.npy'), idx.astype(np.int64))
save_npy(os.path.join(out, 'z.npy'), z.astype(np.float32))
save_npy(os.path.join(out, 'zs.npy'), zs.numpy().astype(np.float32))
zs1 = None
if len(order) > E1:
    torch.set_rng_state(rng_e1)
    zs1 = torch.cat([torch.randn(500, latent_dim) for _ in range(10)])
    save_npy(os.path.join(out, 'zs-e1.npy'), zs1.numpy().astype(np.float32))


def write_samples(name, latents):
    """G in train mode on latents in batches of 500, as the peer samples (no
    random draws; batch norm's running statistics, which it updates, are not
    used in train mode, so training goes on unchanged)."""
    with torch.no_grad():
        s = torch.cat([G(latents[i * 500:(i + 1) * 500]) for i in range(10)])
    save_npy(os.path.join(out, name), s.numpy().astype(np.float32))

if train_steps:
    crit = nn.BCELoss()
    oG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    oD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    rows = []
    for s in range(min(train_steps, len(order))):
        imgs = X[torch.from_numpy(idx[s])]
        real = torch.ones(batch_size, 1); fake = torch.zeros(batch_size, 1)
        oD.zero_grad()
        f = G(torch.from_numpy(z[s]))
        pr, pf = D(imgs), D(f.detach())
        dl = crit(pr, real) + crit(pf, fake)
        dl.backward(); oD.step()
        oG.zero_grad()
        gl = crit(D(f), real); gl.backward(); oG.step()
        rows.append(f'{s + 1}\t{float(dl):.9g}\t{float(gl):.9g}\t{float(pr.mean()):.9g}\t{float(pf.mean()):.9g}\n')
        if s + 1 == E1 and zs1 is not None:
            write_samples('peer-samples-e1.npy', zs1)
    with open(os.path.join(out, 'peer-stats.tsv'), 'w') as f:
        f.write('step\tloss_d\tloss_g\td_x\td_g_z\n' + ''.join(rows))
    if train_steps == len(order):
        write_samples('peer-samples.npy', zs)
