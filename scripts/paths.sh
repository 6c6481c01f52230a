# paths.sh - sourced by the scripts of scripts/ and bench/: here (the
# sourcing script's folder), root (the checkout), the build tree's tools first
# on PATH where it has them, and GAN_MODELS (default: the checkout's presets).
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
[ -x "$root/build/bin/gan-step" ] && PATH="$root/build/bin:$PATH"
GAN_MODELS=${GAN_MODELS:-$root/models}
export PATH GAN_MODELS
