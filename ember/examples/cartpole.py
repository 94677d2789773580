"""Balance a pole on a cart with two reinforcement-learning agents: REINFORCE and DQN.

    python -m ember.examples.cartpole [--agent both|reinforce|dqn] [--env auto|builtin|gymnasium]

The environment is the classic cart-pole of Barto, Sutton and Anderson (1983), written
below in NumPy and run as a batch of environments at once; with --env gymnasium (or
auto, when gymnasium is installed) gymnasium's CartPole-v1 is used instead. Episodes
last at most --max-steps (200, as in CartPole-v0), and an agent counts as solved when
its greedy policy averages a return of at least 195 over 100 fresh episodes. Training
stops once an evaluation averages --stop-return (199); the final score comes from
another 100 episodes.

- REINFORCE: a policy network, ember.distributions.Categorical over its logits,
  discounted returns-to-go normalised over the batch, one update per batch of episodes.
- DQN: a Q-network, an experience replay buffer, a target network copied every
  --target-every updates, an epsilon-greedy schedule decaying linearly, Huber loss.

Prints each agent's evaluation return and wall time; writes returns.png (training and
evaluation returns) and each agent's policy (reinforce.pt, dqn.pt) to --out.
"""
import importlib.util
import math
import time

import numpy as np

from ember.examples import _common

import ember as torch
from ember.distributions import Categorical

nn = torch.nn
F = torch.nn.functional

SOLVED = 195.0


class CartPole:
    """``n`` cart-poles stepped together. State per row: cart position, cart velocity,
    pole angle (radians, 0 = upright), pole angular velocity. Action 0 pushes the cart
    left, 1 right; every step the pole stays up earns 1."""

    gravity, cart_mass, pole_mass, half_length = 9.8, 1.0, 0.1, 0.5
    force, dt = 10.0, 0.02
    angle_limit, position_limit = 12 * 2 * math.pi / 360, 2.4

    def __init__(self, n, max_steps, seed):
        self.n, self.max_steps = n, max_steps
        self.rng = np.random.default_rng(seed)
        self.state = np.zeros((n, 4))
        self.steps = np.zeros(n, dtype=np.int64)

    def reset(self, mask=None):
        """Start fresh episodes in the rows where ``mask`` is True (all rows by default)."""
        mask = np.ones(self.n, dtype=bool) if mask is None else mask
        self.state[mask] = self.rng.uniform(-0.05, 0.05, size=(int(mask.sum()), 4))
        self.steps[mask] = 0
        return self.state.astype(np.float32)

    def step(self, actions):
        """Advance every row by one Euler step. Returns the observations, rewards and two
        masks: terminated (the pole fell or the cart left the track) and truncated (the
        episode reached max_steps)."""
        x, x_dot, theta, theta_dot = self.state.T
        push = np.where(np.asarray(actions) == 1, self.force, -self.force)
        total_mass = self.cart_mass + self.pole_mass
        pole_moment = self.pole_mass * self.half_length
        cos, sin = np.cos(theta), np.sin(theta)
        temp = (push + pole_moment * theta_dot ** 2 * sin) / total_mass
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.half_length * (4.0 / 3.0 - self.pole_mass * cos ** 2 / total_mass))
        x_acc = temp - pole_moment * theta_acc * cos / total_mass
        self.state = np.stack([x + self.dt * x_dot, x_dot + self.dt * x_acc,
                               theta + self.dt * theta_dot, theta_dot + self.dt * theta_acc],
                              axis=1)
        self.steps += 1
        terminated = (np.abs(self.state[:, 0]) > self.position_limit) | \
            (np.abs(self.state[:, 2]) > self.angle_limit)
        truncated = ~terminated & (self.steps >= self.max_steps)
        return self.state.astype(np.float32), np.ones(self.n, np.float32), terminated, truncated


class GymCartPole:
    """The same batch interface over ``n`` gymnasium CartPole-v1 environments."""

    def __init__(self, n, max_steps, seed):
        import gymnasium

        self.n = n
        self.envs = [gymnasium.make("CartPole-v1", max_episode_steps=max_steps)
                     for _ in range(n)]
        self.obs = np.zeros((n, 4), np.float32)
        self.ended = np.zeros(n, bool)
        self.rng = np.random.default_rng(seed)

    def reset(self, mask=None):
        for i in range(self.n) if mask is None else np.flatnonzero(mask):
            self.obs[i] = self.envs[i].reset(seed=int(self.rng.integers(2 ** 31)))[0]
            self.ended[i] = False
        return self.obs.copy()

    def step(self, actions):
        """As CartPole.step; rows whose episode ended are not stepped again (gymnasium
        forbids it) and keep reporting the end with no reward until reset."""
        rewards = np.zeros(self.n, np.float32)
        terminated, truncated = self.ended.copy(), np.zeros(self.n, bool)
        for i in np.flatnonzero(~self.ended):
            self.obs[i], rewards[i], terminated[i], truncated[i], _ = \
                self.envs[i].step(int(actions[i]))
        self.ended |= terminated | truncated
        return self.obs.copy(), rewards, terminated, truncated


def make_env(kind, n, max_steps, seed):
    if kind == "auto":
        kind = "gymnasium" if importlib.util.find_spec("gymnasium") else "builtin"
    return (GymCartPole if kind == "gymnasium" else CartPole)(n, max_steps, seed)


def mlp(hidden, outputs):
    return nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, outputs))


def play(env, act, max_steps):
    """Run one episode in every row of ``env`` with ``act(observations) -> actions``.
    Returns the visited observations (T, n, 4), the actions (T, n), the rewards (T, n)
    and the alive mask (T, n): a row stops counting once its episode ended."""
    obs = env.reset()
    alive = np.ones(env.n, dtype=bool)
    trace = {"obs": [], "actions": [], "rewards": [], "alive": []}
    for _ in range(max_steps):
        actions = act(obs)
        trace["obs"].append(obs)
        trace["actions"].append(actions)
        trace["alive"].append(alive.copy())
        obs, rewards, terminated, truncated = env.step(actions)
        trace["rewards"].append(rewards * alive)
        alive &= ~(terminated | truncated)
        if not alive.any():
            break
    return {k: np.stack(v) for k, v in trace.items()}


def greedy(net, device):
    @torch.no_grad()
    def act(obs):
        return net(torch.tensor(obs, device=device)).argmax(dim=1).cpu().numpy()
    return act


def evaluate(net, args, device, episodes=100, seed_offset=10_000):
    """Mean return of the greedy policy over ``episodes`` fresh episodes, run together."""
    env = make_env(args.env, episodes, args.max_steps, args.seed + seed_offset)
    return float(play(env, greedy(net, device), args.max_steps)["rewards"].sum(axis=0).mean())


def returns_to_go(rewards, gamma):
    """Discounted sum of the rewards from each step to the end of its episode."""
    out = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[1], dtype=rewards.dtype)
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def train_reinforce(args, device, log):
    policy = mlp(64, 2).to(device)
    optimizer = torch.optim.Adam(policy.parameters(), lr=args.reinforce_lr)
    env = make_env(args.env, args.episodes_per_batch, args.max_steps, args.seed)

    @torch.no_grad()
    def sample(obs):
        return Categorical(logits=policy(torch.tensor(obs, device=device))).sample().cpu().numpy()

    for iteration in range(1, args.reinforce_iterations + 1):
        trace = play(env, sample, args.max_steps)
        log["train"].extend(trace["rewards"].sum(axis=0).tolist())
        returns = returns_to_go(trace["rewards"], args.gamma)[trace["alive"]]
        returns = (returns - returns.mean()) / (returns.std() + 1e-8)
        # One batched forward over every visited state: the rollout itself ran without
        # building a graph.
        obs = torch.tensor(trace["obs"][trace["alive"]], device=device)
        actions = torch.tensor(trace["actions"][trace["alive"]], device=device)
        dist = Categorical(logits=policy(obs))
        loss = -(dist.log_prob(actions) * torch.tensor(returns, device=device)).mean() \
            - args.entropy_bonus * dist.entropy().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if iteration % args.eval_every == 0 or iteration == args.reinforce_iterations:
            score = evaluate(policy, args, device)
            log["eval"].append((len(log["train"]), score))
            print(f"  reinforce iteration {iteration:4d}  episodes {len(log['train']):5d}  "
                  f"mean training return {np.mean(log['train'][-100:]):6.1f}  "
                  f"greedy evaluation {score:6.1f}")
            if score >= args.stop_return:
                break
    return policy


class ReplayBuffer:
    def __init__(self, capacity, seed):
        self.obs = np.zeros((capacity, 4), np.float32)
        self.next_obs = np.zeros((capacity, 4), np.float32)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.ended = np.zeros(capacity, np.float32)
        self.capacity, self.size, self.cursor = capacity, 0, 0
        self.rng = np.random.default_rng(seed)

    def add(self, obs, actions, rewards, next_obs, terminated):
        """Store a batch of transitions, overwriting the oldest once full."""
        idx = (self.cursor + np.arange(len(actions))) % self.capacity
        self.obs[idx], self.actions[idx], self.rewards[idx] = obs, actions, rewards
        self.next_obs[idx], self.ended[idx] = next_obs, terminated
        self.cursor = (self.cursor + len(actions)) % self.capacity
        self.size = min(self.size + len(actions), self.capacity)

    def sample(self, batch_size, device):
        idx = self.rng.integers(0, self.size, size=batch_size)
        return tuple(torch.tensor(a[idx], device=device) for a in
                     (self.obs, self.actions, self.rewards, self.next_obs, self.ended))


def dqn_update(q_net, target_net, optimizer, batch, gamma):
    obs, actions, rewards, next_obs, ended = batch
    q = q_net(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        # A terminal transition has no future; a truncated one (time limit) still does.
        target = rewards + gamma * (1.0 - ended) * target_net(next_obs).max(dim=1).values
    loss = F.smooth_l1_loss(q, target)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(q_net.parameters(), 10.0)
    optimizer.step()


def train_dqn(args, device, log):
    q_net = mlp(128, 2).to(device)
    target_net = mlp(128, 2).to(device)
    target_net.load_state_dict(q_net.state_dict())
    optimizer = torch.optim.Adam(q_net.parameters(), lr=args.dqn_lr)
    buffer = ReplayBuffer(50_000, args.seed)
    env = make_env(args.env, args.dqn_envs, args.max_steps, args.seed)
    rng = np.random.default_rng(args.seed)
    obs, episode_return = env.reset(), np.zeros(args.dqn_envs)
    act = greedy(q_net, device)
    best = (-1.0, None)
    for iteration in range(1, args.dqn_iterations + 1):
        epsilon = max(0.05, 1.0 - iteration / (0.4 * args.dqn_iterations))
        actions = np.where(rng.random(args.dqn_envs) < epsilon,
                           rng.integers(0, 2, args.dqn_envs), act(obs))
        next_obs, rewards, terminated, truncated = env.step(actions)
        buffer.add(obs, actions, rewards, next_obs, terminated)
        episode_return += rewards
        done = terminated | truncated
        log["train"].extend(episode_return[done].tolist())
        episode_return[done] = 0.0
        obs = env.reset(done) if done.any() else next_obs
        if buffer.size >= args.batch_size:
            dqn_update(q_net, target_net, optimizer, buffer.sample(args.batch_size, device),
                       args.gamma)
        if iteration % args.target_every == 0:
            target_net.load_state_dict(q_net.state_dict())
        if iteration % (args.eval_every * 20) == 0 or iteration == args.dqn_iterations:
            score = evaluate(q_net, args, device)
            log["eval"].append((len(log["train"]), score))
            print(f"  dqn iteration {iteration:6d}  episodes {len(log['train']):5d}  "
                  f"epsilon {epsilon:.2f}  greedy evaluation {score:6.1f}")
            if score > best[0]:
                best = (score, {k: v.clone() for k, v in q_net.state_dict().items()})
            if score >= args.stop_return:
                break
    # Q-learning can forget: keep the best network seen rather than the last.
    q_net.load_state_dict(best[1])
    return q_net


def save_returns_plot(path, logs, max_steps):
    plt = _common.pyplot()
    fig, axes = plt.subplots(1, len(logs), figsize=(5.5 * len(logs), 3.6), squeeze=False)
    for ax, (name, log) in zip(axes[0], logs.items()):
        train = np.asarray(log["train"])
        ax.plot(train, color="tab:blue", alpha=0.25, linewidth=0.8, label="training episode")
        if len(train) >= 20:
            window = min(100, len(train))
            smooth = np.convolve(train, np.ones(window) / window, mode="valid")
            ax.plot(range(window - 1, len(train)), smooth, color="tab:blue",
                    label=f"mean of last {window}")
        if log["eval"]:
            ax.plot(*zip(*log["eval"]), "o-", color="tab:orange", label="greedy, 100 episodes")
        ax.axhline(SOLVED, color="gray", linestyle="--", label="solved (195)")
        ax.set_ylim(0, max_steps * 1.05)
        ax.set_xlabel("training episodes")
        ax.set_ylabel("return")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = _common.parser(__doc__, "cartpole", batch_size=64)
    parser.add_argument("--agent", choices=["both", "reinforce", "dqn"], default="both")
    parser.add_argument("--env", choices=["auto", "builtin", "gymnasium"], default="auto",
                        help="auto: gymnasium's CartPole-v1 when installed, else the built-in")
    parser.add_argument("--max-steps", type=int, default=200, help="episode length limit")
    parser.add_argument("--gamma", type=float, default=0.99, help="discount factor")
    parser.add_argument("--stop-return", type=float, default=199.0,
                        help="stop training once a greedy evaluation averages this much")
    parser.add_argument("--eval-every", type=int, default=10,
                        help="REINFORCE iterations between evaluations (x20 for DQN)")
    parser.add_argument("--reinforce-iterations", type=int, default=300)
    parser.add_argument("--episodes-per-batch", type=int, default=16)
    parser.add_argument("--reinforce-lr", type=float, default=1e-2)
    parser.add_argument("--entropy-bonus", type=float, default=0.01)
    parser.add_argument("--dqn-iterations", type=int, default=10_000,
                        help="environment steps of the --dqn-envs environments together")
    parser.add_argument("--dqn-envs", type=int, default=4)
    parser.add_argument("--dqn-lr", type=float, default=1e-3)
    parser.add_argument("--target-every", type=int, default=250,
                        help="updates between target-network copies")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    device = _common.device_of(torch, args.device)
    out = _common.output_dir(args.out)
    env_name = type(make_env(args.env, 1, args.max_steps, args.seed)).__name__
    print(f"{_common.framework_name(torch)} on {device}, environment {env_name}, "
          f"episodes of at most {args.max_steps} steps; solved at a mean return of {SOLVED:.0f}")

    agents = {"reinforce": train_reinforce, "dqn": train_dqn}
    if args.agent != "both":
        agents = {args.agent: agents[args.agent]}
    logs, results = {}, {}
    for name, train in agents.items():
        start = time.perf_counter()
        logs[name] = {"train": [], "eval": []}
        net = train(args, device, logs[name])
        seconds = time.perf_counter() - start
        # Training stopped at (or kept) a good evaluation, so that score flatters the
        # policy: judge it afresh on 100 episodes it has not been selected on.
        score = evaluate(net, args, device, seed_offset=20_000)
        results[name] = {"return": score, "episodes": len(logs[name]["train"]),
                         "seconds": seconds}
        torch.save(net.state_dict(), out / f"{name}.pt")
        print(f"{name}: average return {score:.1f} over 100 new episodes "
              f"({'solved' if score >= SOLVED else 'not solved'}) after "
              f"{results[name]['episodes']} training episodes, "
              f"{results[name]['seconds']:.1f} s")
    save_returns_plot(out / "returns.png", logs, args.max_steps)
    print(f"wrote {out / 'returns.png'}, " + ", ".join(str(out / f"{n}.pt") for n in agents))
    return results


if __name__ == "__main__":
    main()
