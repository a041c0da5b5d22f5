export { CartPole } from './CartPole.js';
export { CartPoleNoVel } from './CartPoleNoVel.js';
export { Pendulum, type PendulumOptions } from './Pendulum.js';
