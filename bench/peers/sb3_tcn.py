#!/usr/bin/env python3
"""Stable-Baselines3 PPO with a TCN features extractor on CartPole-v1 with 4 stacked frames:
the peer of the `ppo_tcn` case of bench/throughput-vs-sb3.ts. Prints one JSON line, with the
fields of sb3_bench.py's `train` that the bench reads (timesteps, wall_s, env_steps_per_s)
and the model's settings (sb3_settings.effective_settings):

  run.sh python bench/peers/sb3_tcn.py --peers-dir /work/shared/peers --threads 1 --timesteps 8192

The extractor is tradegym's `tcnExtractor` written in torch: residual blocks (Bai, Kolter and
Koltun 2018, figure 1(b)) of two dilated causal 1-D convolutions with relu (block i dilated
2^i, left-padded so that step t sees steps <= t only), a 1x1 convolution on the residual path
where the channels change, relu after the sum; the features are the last step's channels.
PPO's settings are bench/learn-ppo-extractors.ts's (rl-baselines3-zoo's RecurrentPPO
CartPoleNoVel-v1): 8 envs, n_steps 32, batch 256, 20 epochs, gamma 0.98, gae_lambda 0.8,
ent_coef 0, linear learning rate 1e-3 and clip range 0.2, relu heads pi [64] / vf [64].
"""
import argparse
import json
import os
import sys
import time


def build_tcn_extractor():
    """The extractor class (torch and SB3 are imported here, after the thread count is set)."""
    import torch as th
    from torch import nn
    from torch.nn import functional as F
    from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

    class Block(nn.Module):
        def __init__(self, c_in, c_out, kernel_size, dilation):
            super().__init__()
            self.pad = (kernel_size - 1) * dilation  # causal: pad on the left only
            self.conv1 = nn.Conv1d(c_in, c_out, kernel_size, dilation=dilation)
            self.conv2 = nn.Conv1d(c_out, c_out, kernel_size, dilation=dilation)
            self.down = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else None

        def forward(self, x):
            y = F.relu(self.conv1(F.pad(x, (self.pad, 0))))
            y = F.relu(self.conv2(F.pad(y, (self.pad, 0))))
            return F.relu(y + (x if self.down is None else self.down(x)))

    class TCN(BaseFeaturesExtractor):
        """Observations [batch, window, features] -> the last step's channels [batch, channels[-1]]."""

        def __init__(self, observation_space, channels=(16, 16), kernel_size=3):
            super().__init__(observation_space, channels[-1])
            _, features = observation_space.shape
            blocks, c_in = [], features
            for i, c in enumerate(channels):
                blocks.append(Block(c_in, c, kernel_size, 2**i))
                c_in = c
            self.blocks = nn.Sequential(*blocks)

        def forward(self, obs: th.Tensor) -> th.Tensor:
            return self.blocks(obs.transpose(1, 2))[:, :, -1]  # conv1d wants [batch, channels, steps]

    return TCN


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers-dir", required=True, help="the directory of run.sh and sb3_bench.py")
    ap.add_argument("--n-envs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--timesteps", type=int, default=8192)
    ap.add_argument("--channels", type=int, nargs="+", default=[16, 16])
    ap.add_argument("--kernel-size", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.peers_dir))
    import sb3_bench  # noqa: E402

    nthreads = sb3_bench.set_threads(args.threads)
    import torch
    from gymnasium.wrappers import FrameStack
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from torch import nn

    from sb3_settings import effective_settings

    env = make_vec_env("CartPole-v1", n_envs=args.n_envs, seed=args.seed, wrapper_class=FrameStack, wrapper_kwargs={"num_stack": 4})
    model = PPO(
        "MlpPolicy", env, n_steps=32, batch_size=256, n_epochs=20, gamma=0.98, gae_lambda=0.8, ent_coef=0.0,
        learning_rate=lambda p: 1e-3 * p, clip_range=lambda p: 0.2 * p, seed=args.seed, device="cpu", verbose=0,
        policy_kwargs=dict(
            features_extractor_class=build_tcn_extractor(),
            features_extractor_kwargs=dict(channels=tuple(args.channels), kernel_size=args.kernel_size),
            net_arch=dict(pi=[64], vf=[64]),
            activation_fn=nn.ReLU,
        ),
    )
    t0 = time.perf_counter()
    model.learn(total_timesteps=args.timesteps)
    wall = time.perf_counter() - t0
    steps = int(model.num_timesteps)
    print(json.dumps({
        "kind": "train", "algo": "ppo", "extractor": "tcn", "channels": args.channels, "kernel_size": args.kernel_size,
        "n_envs": args.n_envs, "seed": args.seed, "threads": nthreads, "requested_timesteps": args.timesteps,
        "timesteps": steps, "wall_s": wall, "env_steps_per_s": steps / wall,
        "settings": effective_settings(model), "torch": torch.__version__,
    }), flush=True)


if __name__ == "__main__":
    main()
