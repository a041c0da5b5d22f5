import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/Rng.js';
import { FlatLayout, mlp, polyakAssign, requireLayerSizes, torchLinearInit } from '../common/ActorCritic.js';
import type { DenseSlots } from '../common/types.js';

/**
 * Everything needed to rebuild SAC's networks (`agent.policy.spec`).
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { SAC, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new SAC(make('Pendulum-v1'), { netArch: [32], seed: 0 });
 * console.log(agent.policy.spec.actionSize, agent.policy.spec.netArch); // 1 [ 32 ]
 * agent.dispose();
 * ```
 */
export interface SACSpec {
  /** The networks' input width: the observation's length, or the features extractor's output width. */
  readonly obsSize: number;
  /** The Box action's length, k. */
  readonly actionSize: number;
  /** Hidden layer sizes of the actor and of each critic. */
  readonly netArch: readonly number[];
  /** Hidden activation. */
  readonly activation: 'tanh' | 'relu';
}

/**
 * SAC's networks as Stable-Baselines3's `SACPolicy` builds them, each in ONE flat float32
 * variable (see `FlatLayout`): the actor, an MLP trunk under the mean and log-std heads (one
 * output layer of `2k` units: the means, then the log stds, each column initialised as its
 * own `nn.Linear` would be); the twin critics Q1 and Q2, MLPs of `[features, action]` to one
 * value, both in the `critic` variable (SB3's `ContinuousCritic`, one optimizer over both); and
 * the critics' target copy. Weights and biases start as PyTorch's `nn.Linear` default,
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)), drawn from the agent's `Rng`. @internal
 */
export class SACNetworks {
  readonly spec: SACSpec;
  readonly actor: tf.Variable;
  readonly critic: tf.Variable;
  readonly criticTarget: tf.Variable;
  readonly actorLayers: readonly DenseSlots[];
  /** Q1's and Q2's layers in the critic variable. */
  readonly qLayers: readonly [readonly DenseSlots[], readonly DenseSlots[]];

  constructor(spec: SACSpec, rng: Rng) {
    const arch = requireLayerSizes('netArch', spec.netArch);
    this.spec = spec;
    const uniform = torchLinearInit(rng);
    const k = spec.actionSize;
    const actorLayout = new FlatLayout();
    const criticLayout = new FlatLayout();
    let actorLayers: DenseSlots[] = [];
    let qLayers: [DenseSlots[], DenseSlots[]] = [[], []];
    const [actorFlat, criticFlat] = tf.tidy(() => {
      // the output layer is SB3's two heads side by side: mu's and log_std's nn.Linear, each
      // drawn with the same bound, so one layer of 2k columns draws from the same law
      actorLayers = actorLayout.dense(spec.obsSize, arch, 2 * k, uniform);
      qLayers = [criticLayout.dense(spec.obsSize + k, arch, 1, uniform), criticLayout.dense(spec.obsSize + k, arch, 1, uniform)];
      return [actorLayout.build(), criticLayout.build()];
    });
    this.actorLayers = actorLayers;
    this.qLayers = qLayers;
    this.actor = tf.variable(actorFlat, true);
    this.critic = tf.variable(criticFlat, true);
    this.criticTarget = tf.variable(criticFlat, false);
    actorFlat.dispose();
    criticFlat.dispose();
  }

  /** The actor's head outputs `[n, 2k]` (means, then unclamped log stds) under `theta`. Call inside tf.tidy. */
  actorOut(x: tf.Tensor2D, theta: tf.Tensor = this.actor): tf.Tensor2D {
    return mlp(theta, x, this.actorLayers, this.spec.activation);
  }

  /** Q1 and Q2 of `[features, action]` rows, `[n, 2]`, under `theta` (the online critics by default). Call inside tf.tidy. */
  q(x: tf.Tensor2D, theta: tf.Tensor = this.critic): tf.Tensor2D {
    const [l1, l2] = this.qLayers;
    return tf.concat([mlp(theta, x, l1, this.spec.activation), mlp(theta, x, l2, this.spec.activation)], 1);
  }

  /** Polyak update of the critics' target: `target = (1 - tau) target + tau critic` (SB3's `polyak_update`). */
  updateTarget(tau: number): void {
    tf.tidy(() => polyakAssign(this.criticTarget, this.critic, tau));
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.criticTarget.dispose();
  }
}
