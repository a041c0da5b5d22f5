#!/usr/bin/env python3
"""sb3-contrib's RecurrentPPO ("MlpLstmPolicy") on CartPoleNoVel-v1: the recurrent peer of the
PPO extractor benches. Prints one JSON line, with the fields of sb3_bench.py's `train` that the
bench reads (timesteps, wall_s, env_steps_per_s) and the model's settings:

  run.sh python bench/peers/sb3_recurrent.py --peers-dir /work/shared/peers --threads 1 --timesteps 8192
  run.sh python bench/peers/sb3_recurrent.py --peers-dir /work/shared/peers --threads 1 --mode learn

`--mode train` (default) times `model.learn` only. `--mode learn` (default 100000 steps) trains,
then evaluates the deterministic policy over 20 episodes as SB3's `evaluate_policy` does (the
LSTM state passed through `model.predict(obs, state=..., episode_start=...)`) on a fresh env
under VecNormalize in eval mode (training=False, norm_reward=False, the training statistics).

Settings: rl-baselines3-zoo's hyperparams/ppo_lstm.yml CartPoleNoVel-v1: 8 envs, n_steps 32,
batch 256, 20 epochs, gamma 0.98, gae_lambda 0.8, ent_coef 0, linear learning rate 1e-3 and clip
range 0.2, policy_kwargs dict(ortho_init=False, activation_fn=nn.ReLU, lstm_hidden_size=64,
enable_critic_lstm=True, net_arch=dict(pi=[64], vf=[64])), observations normalised by
VecNormalize(norm_obs=True, norm_reward=False). (The zoo's `normalize: True` alone would give
VecNormalize's defaults, i.e. also norm_reward=True with gamma 0.98: `--norm-reward` does that.)

CartPoleNoVel-v1: CartPole-v1 (TimeLimit 500) seen through an ObservationWrapper that keeps
[x, theta] only, in Box(-high, high), high = [x_threshold * 2, theta_threshold_radians * 2],
float32 (as sb3-contrib's tests and the zoo define it).
"""
import argparse
import json
import os
import sys
import time


def make_cartpole_novel():
    """A CartPoleNoVel-v1 env: CartPole-v1 (with its 500-step TimeLimit) without the velocities."""
    import gymnasium as gym
    import numpy as np
    from gymnasium import spaces

    class NoVelocity(gym.ObservationWrapper):
        def __init__(self, env):
            super().__init__(env)
            cp = env.unwrapped
            high = np.array([cp.x_threshold * 2, cp.theta_threshold_radians * 2], dtype=np.float32)
            self.observation_space = spaces.Box(-high, high, dtype=np.float32)

        def observation(self, observation):
            return np.array([observation[0], observation[2]], dtype=np.float32)

    return NoVelocity(gym.make("CartPole-v1"))


def recurrent_settings(model, vec_normalize):
    """The settings only a recurrent policy has, plus the normalisation wrapper's."""
    p = model.policy
    return {
        "lstm_hidden_size": p.lstm_actor.hidden_size,
        "n_lstm_layers": p.lstm_actor.num_layers,
        "shared_lstm": p.shared_lstm,
        "enable_critic_lstm": p.enable_critic_lstm,
        "ortho_init": p.ortho_init,
        "n_params": sum(x.numel() for x in p.parameters()),
        "vec_normalize": {"norm_obs": vec_normalize.norm_obs, "norm_reward": vec_normalize.norm_reward,
                          "clip_obs": vec_normalize.clip_obs, "gamma": vec_normalize.gamma},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers-dir", required=True, help="the directory of run.sh and sb3_bench.py")
    ap.add_argument("--mode", choices=["train", "learn"], default="train")
    ap.add_argument("--n-envs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--timesteps", type=int, default=None, help="default 8192 (train), 100000 (learn)")
    ap.add_argument("--eval-episodes", type=int, default=20)
    ap.add_argument("--norm-reward", action="store_true", help="VecNormalize(norm_reward=True, gamma=0.98) as the zoo's bare `normalize: True`")
    args = ap.parse_args()
    if args.timesteps is None:
        args.timesteps = 100_000 if args.mode == "learn" else 8192
    sys.path.insert(0, os.path.abspath(args.peers_dir))
    import sb3_bench  # noqa: E402

    nthreads = sb3_bench.set_threads(args.threads)
    import torch
    from sb3_contrib import RecurrentPPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize
    from torch import nn

    from sb3_settings import effective_settings

    gamma = 0.98
    env = make_vec_env(make_cartpole_novel, n_envs=args.n_envs, seed=args.seed, vec_env_cls=DummyVecEnv)
    env = VecNormalize(env, norm_obs=True, norm_reward=args.norm_reward, gamma=gamma)
    model = RecurrentPPO(
        "MlpLstmPolicy", env, n_steps=32, batch_size=256, n_epochs=20, gamma=gamma, gae_lambda=0.8, ent_coef=0.0,
        learning_rate=lambda p: 1e-3 * p, clip_range=lambda p: 0.2 * p, seed=args.seed, device="cpu", verbose=0,
        policy_kwargs=dict(
            ortho_init=False,
            activation_fn=nn.ReLU,
            lstm_hidden_size=64,
            enable_critic_lstm=True,
            net_arch=dict(pi=[64], vf=[64]),
        ),
    )
    try:
        settings = effective_settings(model)
    except Exception as e:  # not expected: RecurrentPPO has PPO's attributes and an ActorCriticPolicy
        settings = {"effective_settings_error": repr(e), "net_arch": model.policy.net_arch,
                    "activation": model.policy.activation_fn.__name__.lower()}
    settings.update(recurrent_settings(model, env))

    t0 = time.perf_counter()
    model.learn(total_timesteps=args.timesteps)
    wall = time.perf_counter() - t0
    steps = int(model.num_timesteps)
    out = {
        "kind": "train" if args.mode == "train" else "learn", "algo": "recurrent_ppo", "env": "CartPoleNoVel-v1",
        "n_envs": args.n_envs, "seed": args.seed, "threads": nthreads, "requested_timesteps": args.timesteps,
        "timesteps": steps, "wall_s": wall, "env_steps_per_s": steps / wall,
        "settings": settings, "torch": torch.__version__,
    }
    if args.mode == "learn":
        from stable_baselines3.common.evaluation import evaluate_policy

        ep_rewards = [ep["r"] for ep in model.ep_info_buffer]
        eval_env = make_vec_env(make_cartpole_novel, n_envs=1, seed=10_000 + args.seed, vec_env_cls=DummyVecEnv)
        eval_env = VecNormalize(eval_env, training=False, norm_obs=True, norm_reward=False, gamma=gamma)
        eval_env.obs_rms = env.obs_rms.copy()  # the training statistics, frozen
        t1 = time.perf_counter()
        # evaluate_policy threads the LSTM state: state=None first, then the returned state, and
        # episode_start=True on the first step and after each done (Monitor's episode rewards)
        mean, std = evaluate_policy(model, eval_env, n_eval_episodes=args.eval_episodes, deterministic=True)
        out.update({
            "eval_episodes": args.eval_episodes, "eval_det_mean": float(mean), "eval_det_std": float(std),
            "eval_s": time.perf_counter() - t1,
            "last20_mean_ep_reward": (sum(ep_rewards[-20:]) / len(ep_rewards[-20:])) if ep_rewards else None,
        })
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
