"""Whole programs against torch (issue 3): a residual CNN with BatchNorm2d trained with
SGD (momentum + weight decay) and then evaluated, and a WGAN-GP whose gradient penalty
takes a double backward through conv, conv-transpose and LeakyReLU. Each starts from one
state_dict in both libraries and sees the same data; losses are compared step by step
(float32, rtol 1e-3)."""
import numpy as np

from parity import torch
import ember


def copy_weights(t_model, e_model):
    """torch's state_dict (parameters and buffers) loaded into the ember twin."""
    e_model.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                             for k, v in t_model.state_dict().items()})


def assert_same_state(e_model, t_model, rtol=1e-3, atol=1e-4):
    e_state, t_state = e_model.state_dict(), t_model.state_dict()
    assert list(e_state) == list(t_state)
    for name, t in t_state.items():
        np.testing.assert_allclose(e_state[name].numpy(), t.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


# ---------------------------------------------------------------- residual CNN

def residual_cnn(m):
    """conv-bn-relu stem, one residual block (conv-bn-relu-conv-bn + skip), pooled head."""
    nn = m.nn

    class Block(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels)

        def forward(self, x):
            out = nn.functional.relu(self.bn1(self.conv1(x)))
            return nn.functional.relu(self.bn2(self.conv2(out)) + x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(16), nn.ReLU(inplace=True))
            self.block = Block(16)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            return self.fc(self.pool(self.block(self.stem(x))).flatten(1))

    return Net()


def test_residual_cnn_batchnorm_sgd_then_eval():
    steps = 6
    torch.manual_seed(0)
    t_model, e_model = residual_cnn(torch), residual_cnn(ember)
    copy_weights(t_model, e_model)
    assert repr(e_model) == repr(t_model)
    rng = np.random.default_rng(0)
    images = rng.standard_normal((steps, 8, 3, 12, 12)).astype(np.float32)
    labels = rng.integers(0, 10, size=(steps, 8))
    test_images = rng.standard_normal((4, 3, 12, 12)).astype(np.float32)
    losses, eval_out = {}, {}
    for m, model in ((torch, t_model), (ember, e_model)):
        opt = m.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
        model.train()
        losses[m] = []
        for step in range(steps):
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(model(m.tensor(images[step])),
                                                 m.tensor(labels[step]))
            loss.backward()
            opt.step()
            losses[m].append(loss.item())
        model.eval()
        with m.no_grad():
            eval_out[m] = model(m.tensor(test_images)).numpy()
    np.testing.assert_allclose(losses[ember], losses[torch], rtol=1e-3)
    assert losses[torch][-1] != losses[torch][0]
    # running_mean/var and num_batches_tracked were updated the same way in train mode
    assert_same_state(e_model, t_model)
    assert int(e_model.block.bn2.num_batches_tracked) == steps
    # eval mode normalizes with the running statistics, not the batch's
    np.testing.assert_allclose(eval_out[ember], eval_out[torch], rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------- WGAN-GP

NZ = 8


def wgan_generator(m):
    nn = m.nn
    return nn.Sequential(
        nn.ConvTranspose2d(NZ, 16, 4, 1, 0), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(8, 1, 4, 2, 1), nn.Tanh())


def wgan_critic(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(1, 8, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(8, 16, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(16, 1, 4, 1, 0), nn.Flatten(0))


def gradient_penalty(m, critic, real, fake, alpha):
    """(||d critic(x) / dx||_2 - 1)^2 on points between real and fake samples; the
    penalty's own gradient needs a double backward through the critic."""
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mixed)
    (grad,) = m.autograd.grad(score.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def test_wgan_gp_double_backward_adam():
    gen_steps, critic_steps, batch, gp_weight = 3, 3, 6, 10.0
    torch.manual_seed(0)
    nets = {torch: (wgan_generator(torch), wgan_critic(torch)),
            ember: (wgan_generator(ember), wgan_critic(ember))}
    for t_net, e_net in zip(nets[torch], nets[ember]):
        copy_weights(t_net, e_net)
    rng = np.random.default_rng(1)
    n = gen_steps * (critic_steps + 1)
    noise = rng.standard_normal((n, batch, NZ, 1, 1)).astype(np.float32)
    real = np.tanh(rng.standard_normal((n, batch, 1, 16, 16))).astype(np.float32)
    alpha = rng.uniform(size=(n, batch, 1, 1, 1)).astype(np.float32)
    history = {}
    for m, (gen, critic) in nets.items():
        opt_g = m.optim.Adam(gen.parameters(), lr=1e-3, betas=(0.5, 0.9))
        opt_c = m.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
        history[m] = []
        i = 0
        for _ in range(gen_steps):
            for _ in range(critic_steps):
                fake = gen(m.tensor(noise[i])).detach()
                real_i = m.tensor(real[i])
                opt_c.zero_grad()
                penalty = gradient_penalty(m, critic, real_i, fake, m.tensor(alpha[i]))
                loss_c = critic(fake).mean() - critic(real_i).mean() + gp_weight * penalty
                loss_c.backward()
                opt_c.step()
                history[m].append((loss_c.item(), penalty.item()))
                i += 1
            opt_g.zero_grad()
            loss_g = -critic(gen(m.tensor(noise[i]))).mean()
            loss_g.backward()
            opt_g.step()
            history[m].append((loss_g.item(), 0.0))
            i += 1
    np.testing.assert_allclose(history[ember], history[torch], rtol=1e-3, atol=1e-6)
    assert history[torch][0][1] != history[torch][-2][1]
    for e_net, t_net in zip(nets[ember], nets[torch]):
        assert_same_state(e_net, t_net)


# ---------------------------------------------------------------- hot-path kernels used above

def test_gelu_float32_fast_erf_matches_torch():
    # float32 GELU on the CPU uses ember's own rational erf, in blocks of 65536 elements
    # (nn/_ops.py): as accurate as torch's float32 GELU against float64, with exact
    # saturation (gelu(-10) == -0.0, gelu(-inf) nan)
    x = np.concatenate([np.linspace(-8, 8, 150001),
                        [-1e30, 1e30, -10, -5.55, 5.55, 0.0, -0.0, np.nan, -np.inf]])
    x = x.astype(np.float32)
    e = ember.nn.functional.gelu(ember.tensor(x)).numpy()
    t = torch.nn.functional.gelu(torch.tensor(x)).numpy()
    exact = torch.nn.functional.gelu(torch.tensor(x).double()).numpy()
    assert e.dtype == np.float32
    np.testing.assert_allclose(e[:-2], exact[:-2], rtol=1e-6, atol=1.2e-6)
    np.testing.assert_array_equal(e[-9:-2], t[-9:-2])
    np.testing.assert_array_equal(np.signbit(e[-9:-2]), np.signbit(t[-9:-2]))
    assert np.isnan(e[-2:]).all()
    grads = {}
    for m in (torch, ember):
        xt = m.tensor(x[:150000].reshape(3, -1), requires_grad=True)
        m.nn.functional.gelu(xt).sum().backward()
        grads[m] = xt.grad.numpy()
    np.testing.assert_allclose(grads[ember], grads[torch], rtol=1e-5, atol=2e-6)


def test_conv_backward_twice_with_retain_graph():
    # Conv's backward drops its saved columns early (memory); a second backward must
    # rebuild them and give the same weight gradient
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 7)).astype(np.float32)
    torch.manual_seed(0)
    t_conv = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1)
    e_conv = ember.nn.Conv2d(3, 4, 3, stride=2, padding=1)
    copy_weights(t_conv, e_conv)
    for m, conv in ((torch, t_conv), (ember, e_conv)):
        xt = m.tensor(x, requires_grad=True)
        loss = conv(xt).square().sum()
        loss.backward(retain_graph=True)
        loss.backward()
    np.testing.assert_allclose(e_conv.weight.grad.numpy(), t_conv.weight.grad.numpy(),
                               rtol=1e-4, atol=1e-5)


def test_conv_transpose_in_batch_chunks(monkeypatch):
    # on the CPU ConvTranspose (a conv's input gradient, a transposed conv layer) runs a
    # few samples at a time; one sample per chunk here, against torch
    from ember.nn import _conv_ops
    monkeypatch.setattr(_conv_ops, "_COLUMNS_CHUNK", 1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 7, 6)).astype(np.float32)
    torch.manual_seed(0)
    layers = {torch: (torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=1, groups=2),
                      torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                               output_padding=1, groups=2, dilation=2))}
    layers[ember] = (ember.nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=1, groups=2),
                     ember.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                              output_padding=1, groups=2, dilation=2))
    for t_layer, e_layer in zip(layers[torch], layers[ember]):
        copy_weights(t_layer, e_layer)
    results = {}
    for m, (conv, deconv) in layers.items():
        xt = m.tensor(x, requires_grad=True)
        out = deconv(xt)
        (conv(xt).square().sum() + out.square().sum()).backward()
        results[m] = [out.detach().numpy(), xt.grad.numpy(), conv.weight.grad.numpy(),
                      deconv.weight.grad.numpy()]
    for e, t in zip(results[ember], results[torch]):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-5)
