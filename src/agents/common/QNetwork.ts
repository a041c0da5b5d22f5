import * as tf from '@tensorflow/tfjs';
import { fail, requireInt } from '../../core/checks.js';
import type { Rng } from '../../core/Rng.js';
import { FlatLayout, mlp, polyakAssign, requireLayerSizes, torchLinearInit, type DenseSlots } from './ActorCritic.js';

/** Everything needed to rebuild a DQN's Q-network (`agent.q.spec`). */
export interface QNetworkSpec {
  /** Observation length. */
  readonly obsSize: number;
  /** Number of discrete actions. */
  readonly nActions: number;
  /** Hidden layer sizes. */
  readonly netArch: readonly number[];
  /** Hidden activation. */
  readonly activation: 'tanh' | 'relu';
  /** Dueling heads (Wang et al. 2016): Q = V + A - mean(A). */
  readonly dueling: boolean;
}

/**
 * What DQN shows of its networks (`agent.q`): the spec, and the online and target networks'
 * parameters, each ONE flat float32 variable. Read them, do not assign them: agents that
 * train on the typed or native kernels keep their own copies in step with them.
 *
 * @example
 * ```ts
 * import { make } from 'tradegym';
 * import { DQN, useBackend } from 'tradegym/agents';
 * await useBackend('cpu');
 * const agent = new DQN(make('CartPole-v1'), { seed: 0 });
 * console.log(agent.q.spec.nActions, agent.q.params.size === agent.q.target.size); // 2 true
 * agent.dispose();
 * ```
 */
export interface QNetworkView {
  /** What the network was built from. */
  readonly spec: QNetworkSpec;
  /** The features extractor under the Q head (its online weights), when the agent has one. */
  readonly featuresExtractor?: tf.LayersModel;
  /** The online network's parameters (tfjs variable; released by the agent's `dispose()`). */
  readonly params: tf.Variable;
  /** The target network's parameters. */
  readonly target: tf.Variable;
  /** The number of parameters of each. */
  readonly size: number;
}

/**
 * A Q-network and its target network, each ONE flat float32 variable (see `FlatLayout`).
 * Weights and biases start as PyTorch's `nn.Linear` default, U(-1/sqrt(fanIn), 1/sqrt(fanIn)),
 * which is what Stable-Baselines3's DQN uses, drawn from the agent's `Rng`. @internal
 */
export class QNetwork implements QNetworkView {
  readonly params: tf.Variable;
  readonly target: tf.Variable;
  readonly size: number;
  #trunk: DenseSlots[] = [];
  #heads: DenseSlots[][] = [];

  constructor(
    readonly spec: QNetworkSpec,
    rng: Rng,
  ) {
    requireInt('obsSize', spec.obsSize, 1);
    requireInt('nActions', spec.nActions, 1);
    const arch = requireLayerSizes('netArch', spec.netArch);
    if (spec.dueling && arch.length === 0) fail('netArch', 'at least one hidden layer for a dueling network', arch);
    const uniform = torchLinearInit(rng);
    const layout = new FlatLayout();
    const flat = tf.tidy(() => {
      if (!spec.dueling) {
        this.#trunk = layout.dense(spec.obsSize, arch, spec.nActions, uniform);
        this.#heads = [];
      } else {
        this.#trunk = layout.dense(spec.obsSize, arch.slice(0, -1), arch[arch.length - 1] as number, uniform);
        const last = arch[arch.length - 1] as number;
        this.#heads = [layout.dense(last, [], 1, uniform), layout.dense(last, [], spec.nActions, uniform)];
      }
      return layout.build();
    });
    this.size = layout.size;
    this.params = tf.variable(flat, true);
    this.target = tf.variable(flat, false);
    flat.dispose();
  }

  /** The trunk's layers in the flat vector (without dueling: the whole network). */
  get trunkLayers(): readonly DenseSlots[] {
    return this.#trunk;
  }

  /** The dueling heads, V's layer then A's (one linear layer each), or undefined without dueling. */
  get heads(): { readonly v: DenseSlots; readonly a: DenseSlots } | undefined {
    if (!this.spec.dueling) return undefined;
    const [v, a] = this.#heads as [DenseSlots[], DenseSlots[]];
    return { v: v[0] as DenseSlots, a: a[0] as DenseSlots };
  }

  /** Q-values `[batch, nActions]` under parameters `theta` (the online net by default). Call inside tf.tidy. */
  q(x: tf.Tensor2D, theta: tf.Tensor = this.params): tf.Tensor2D {
    const out = mlp(theta, x, this.#trunk, this.spec.activation);
    if (!this.spec.dueling) return out;
    const h = this.spec.activation === 'tanh' ? tf.tanh(out) : tf.relu(out);
    const [vHead, aHead] = this.#heads as [DenseSlots[], DenseSlots[]];
    const v = mlp(theta, h, vHead, this.spec.activation);
    const a = mlp(theta, h, aHead, this.spec.activation);
    return tf.add(v, tf.sub(a, tf.mean(a, 1, true))) as tf.Tensor2D;
  }

  /** Polyak update of the target: `target = (1 - tau) target + tau params` (tau 1: a copy). */
  updateTarget(tau: number): void {
    tf.tidy(() => polyakAssign(this.target, this.params, tau));
  }

  dispose(): void {
    this.params.dispose();
    this.target.dispose();
  }
}
