#!/usr/bin/env python3
"""sb3-contrib's QR-DQN and Stable-Baselines3's SAC, timed: the peers of the `qrdqn_zoo` and
`sac_pendulum` cases of bench/throughput-vs-sb3.ts. Prints one JSON line with the fields of
sb3_bench.py's `train` the bench reads (timesteps, wall_s, env_steps_per_s) and the model's
settings (sb3_settings.effective_settings):

  run.sh python bench/peers/sb3_offpolicy.py --peers-dir /work/shared/peers --algo qrdqn --threads 1 --timesteps 20000
  run.sh python bench/peers/sb3_offpolicy.py --peers-dir /work/shared/peers --algo sac --threads 1 --timesteps 5000

qrdqn: rl-baselines3-zoo's hyperparams/qrdqn.yml CartPole-v1 (lr 2.3e-3, batch 64, buffer
100000, learning_starts 1000, gamma 0.99, target_update_interval 10, train_freq 256,
gradient_steps 128, exploration_fraction 0.16, exploration_final_eps 0.04, net_arch [256, 256],
n_quantiles 10), 1 env. sac: SB3's defaults on Pendulum-v1, 1 env.
"""
import argparse
import json
import os
import sys
import time

ZOO_QRDQN_CARTPOLE = dict(
    learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000, gamma=0.99,
    target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
    exploration_final_eps=0.04, policy_kwargs=dict(net_arch=[256, 256], n_quantiles=10),
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers-dir", required=True, help="the directory of run.sh and sb3_bench.py")
    ap.add_argument("--algo", choices=("qrdqn", "sac"), required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--timesteps", type=int, default=20000)
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.peers_dir))
    import sb3_bench  # noqa: E402

    nthreads = sb3_bench.set_threads(args.threads)
    import gymnasium as gym
    import torch

    from sb3_settings import effective_settings

    if args.algo == "qrdqn":
        from sb3_contrib import QRDQN

        model = QRDQN("MlpPolicy", gym.make("CartPole-v1"), seed=args.seed, device="cpu", verbose=0, **ZOO_QRDQN_CARTPOLE)
    else:
        from stable_baselines3 import SAC

        model = SAC("MlpPolicy", gym.make("Pendulum-v1"), seed=args.seed, device="cpu", verbose=0)
    t0 = time.perf_counter()
    model.learn(total_timesteps=args.timesteps)
    wall = time.perf_counter() - t0
    steps = int(model.num_timesteps)
    if args.algo == "qrdqn":
        settings = effective_settings(model)
        settings["n_quantiles"] = model.policy.n_quantiles
    else:  # SAC's policy holds an optimizer per network, not one
        from sb3_settings import ATTRS, _value

        settings = {a: _value(getattr(model, a)) for a in ATTRS if hasattr(model, a)}
        settings["net_arch"] = model.policy.net_arch
        settings["activation"] = model.policy.activation_fn.__name__.lower()
        settings["ent_coef"] = "auto" if model.log_ent_coef is not None else model.ent_coef
        settings["target_update_interval"] = model.target_update_interval
    print(json.dumps({
        "kind": "train", "algo": args.algo, "seed": args.seed, "threads": nthreads, "requested_timesteps": args.timesteps,
        "timesteps": steps, "wall_s": wall, "env_steps_per_s": steps / wall, "settings": settings, "torch": torch.__version__,
    }), flush=True)


if __name__ == "__main__":
    main()
