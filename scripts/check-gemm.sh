#!/usr/bin/env bash
# Tests native/gemm.h without Node (native/check/gemm-check.c): here with the host's compiler
# (plain C, and AVX2/AVX-512 where the CPU has them), then cross-compiled for 64-bit ARM and run
# under qemu, the only way this x86 machine runs the NEON blocking that ARM users (Apple
# silicon, Graviton) get. Needs Debian's gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and
# qemu-user-static for the second part (.ci/run installs them). With --speed, it times the host's
# kernels instead (native/check/gemm-speed.c).
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-O3 -std=c11 -ffp-contract=off -fno-math-errno -Wall -Wextra -Werror -Wno-unused-function)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ "${1:-}" = "--speed" ]; then
  cc "${flags[@]}" native/check/gemm-speed.c -o "$out/gemm-speed"
  "$out/gemm-speed"
  exit 0
fi
echo "-- host ($(uname -m))"
cc "${flags[@]}" native/check/gemm-check.c -o "$out/gemm-check" -lm
"$out/gemm-check"
echo "-- aarch64 under qemu"
aarch64-linux-gnu-gcc "${flags[@]}" -static native/check/gemm-check.c -o "$out/gemm-check-arm64" -lm
qemu-aarch64-static "$out/gemm-check-arm64"
