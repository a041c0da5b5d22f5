export { CartPole } from './CartPole.js';
export { Pendulum, type PendulumOptions } from './Pendulum.js';
