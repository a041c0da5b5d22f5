#!/usr/bin/env python3
"""The settings Stable-Baselines3 trains with in bench/throughput-vs-sb3.ts, as one JSON line.

Builds each model as the peers' sb3_bench.py `train` builds it (PPO and A2C with SB3's
defaults, DQN with its ZOO_HEAD_DQN_CARTPOLE, imported from it) and prints the
hyperparameters the model holds once constructed, so that the bench can compare tradegym's
resolved `agent.config` with them key by key:

  run.sh python bench/peers/sb3_settings.py --peers-dir /work/shared/peers

`effective_settings` is also used by sb3_tcn.py.
"""
import argparse
import json
import os
import sys

# model attributes that are hyperparameters (names as SB3 2.3.2 stores them)
ATTRS = (
    "learning_rate", "n_steps", "batch_size", "n_epochs", "gamma", "gae_lambda", "clip_range",
    "clip_range_vf", "normalize_advantage", "ent_coef", "vf_coef", "max_grad_norm", "target_kl",
    "buffer_size", "learning_starts", "tau", "train_freq", "gradient_steps",
    "target_update_interval", "exploration_fraction", "exploration_initial_eps",
    "exploration_final_eps",
)


def _value(v):
    """JSON-safe: a schedule (SB3 turns clip_range into one) as its values at progress remaining 1, 0.5, 0."""
    if callable(v):
        return {"schedule": [float(v(p)) for p in (1.0, 0.5, 0.0)]}
    if hasattr(v, "frequency") and hasattr(v, "unit"):  # TrainFreq(frequency, unit)
        return v.frequency if v.unit.value == "step" else f"{v.frequency} {v.unit.value}"
    return v


def effective_settings(model):
    """The hyperparameters `model` trains with, by SB3's names, plus net_arch, activation and optimizer."""
    out = {a: _value(getattr(model, a)) for a in ATTRS if hasattr(model, a)}
    policy = model.policy
    out["net_arch"] = policy.net_arch
    out["activation"] = policy.activation_fn.__name__.lower()
    opt = policy.optimizer
    out["optimizer"] = type(opt).__name__
    out["optimizer_eps"] = opt.defaults.get("eps")
    if type(opt).__name__ == "RMSprop":  # A2C's use_rms_prop: alpha 0.99, eps rms_prop_eps
        out["rms_prop_eps"] = opt.defaults["eps"]
        out["rms_prop_alpha"] = opt.defaults["alpha"]
    # DQN's policy keeps its extractor in q_net
    fe = getattr(policy, "features_extractor", None) or getattr(getattr(policy, "q_net", None), "features_extractor", None)
    if fe is not None and type(fe).__name__ != "FlattenExtractor":
        out["features_extractor"] = type(fe).__name__
        out["features_extractor_params"] = sum(p.numel() for p in fe.parameters())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers-dir", required=True, help="the directory of run.sh and sb3_bench.py")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.peers_dir))
    import sb3_bench  # noqa: E402 (the settings its `train` runs with)
    import stable_baselines3
    import torch
    from stable_baselines3 import A2C, DQN, PPO
    from stable_baselines3.common.env_util import make_vec_env

    sb3_bench.set_threads(1)
    env = make_vec_env("CartPole-v1", n_envs=1, seed=0)
    out = {
        "ppo": effective_settings(PPO("MlpPolicy", env, seed=0, device="cpu", verbose=0)),
        "a2c": effective_settings(A2C("MlpPolicy", env, seed=0, device="cpu", verbose=0)),
        "dqn": effective_settings(DQN("MlpPolicy", env, seed=0, device="cpu", verbose=0, **sb3_bench.ZOO_HEAD_DQN_CARTPOLE)),
        "versions": {"stable_baselines3": stable_baselines3.__version__, "torch": torch.__version__},
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
