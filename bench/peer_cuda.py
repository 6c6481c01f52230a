# bench/peer_cuda.py PEER.py ARGS... - runs a PyTorch peer unchanged on the GPU:
# every tensor and module it makes lands on CUDA (torch.set_default_device), and
# time.perf_counter waits for the GPU's queue first, so the peer's own timer
# covers the work it launched, not only the launching. PEER_TF32=0 turns off
# cuDNN's TF32 tensor cores (torch.backends.cudnn.allow_tf32, on by default).
# Used by bench/gpu.sh.
import os, runpy, sys, time
import torch

if not torch.cuda.is_available():
    sys.exit("peer_cuda: no CUDA device")
torch.set_default_device("cuda")
torch.backends.cudnn.allow_tf32 = os.environ.get("PEER_TF32", "1") != "0"
_clock = time.perf_counter


def synced_clock():
    torch.cuda.synchronize()
    return _clock()


time.perf_counter = synced_clock
# torch.normal(mean, std, size) with numbers ignores the default device.
_normal = torch.normal


def normal(*args, **kw):
    if len(args) >= 2 and all(isinstance(v, (int, float)) for v in args[:2]):
        kw.setdefault("device", "cuda")
    return _normal(*args, **kw)


torch.normal = normal
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
