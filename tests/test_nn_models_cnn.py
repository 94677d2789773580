"""Whole models against torch: a small CNN trained with SGD + momentum and a DCGAN-style
generator/discriminator pair trained with Adam, from one state_dict in both libraries on
the same data, losses compared step by step (float32, rtol 1e-3)."""
import numpy as np

from parity import torch
import ember

STEPS = 5


def copy_weights(t_model, e_model):
    e_model.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                             for k, v in t_model.state_dict().items()})


def small_cnn(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1, groups=4, padding_mode="reflect"), nn.ReLU(),
        nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(),
        nn.Linear(64, 10))


def test_small_cnn_sgd_momentum():
    torch.manual_seed(0)
    t_model = small_cnn(torch)
    e_model = small_cnn(ember)
    copy_weights(t_model, e_model)
    rng = np.random.default_rng(0)
    images = rng.standard_normal((STEPS, 8, 3, 18, 18)).astype(np.float32)
    labels = rng.integers(0, 10, size=(STEPS, 8))
    losses = {}
    for m, model in ((torch, t_model), (ember, e_model)):
        opt = m.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        losses[m] = []
        for step in range(STEPS):
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(model(m.tensor(images[step])),
                                                 m.tensor(labels[step]))
            loss.backward()
            opt.step()
            losses[m].append(loss.item())
    np.testing.assert_allclose(losses[ember], losses[torch], rtol=1e-3)
    assert losses[torch][-1] != losses[torch][0]
    for (name, e), (_, t) in zip(e_model.state_dict().items(), t_model.state_dict().items()):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)


def generator(m, nz=16):
    nn = m.nn
    return nn.Sequential(
        nn.ConvTranspose2d(nz, 32, 4, 1, 0, bias=False), nn.ReLU(True),
        nn.ConvTranspose2d(32, 16, 4, 2, 1, bias=False), nn.ReLU(True),
        nn.ConvTranspose2d(16, 3, 4, 2, 1, bias=False), nn.Tanh())


def discriminator(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(3, 16, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(16, 32, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(32, 1, 4, 1, 0, bias=False))


def test_dcgan_generator_and_discriminator_steps():
    torch.manual_seed(0)
    nets = {torch: (generator(torch), discriminator(torch)),
            ember: (generator(ember), discriminator(ember))}
    for t_net, e_net in zip(nets[torch], nets[ember]):
        copy_weights(t_net, e_net)
    rng = np.random.default_rng(1)
    noise = rng.standard_normal((STEPS, 8, 16, 1, 1)).astype(np.float32)
    real = np.tanh(rng.standard_normal((STEPS, 8, 3, 16, 16))).astype(np.float32)
    history = {}
    for m, (gen, disc) in nets.items():
        criterion = m.nn.BCEWithLogitsLoss()
        opt_g = m.optim.Adam(gen.parameters(), lr=2e-3, betas=(0.5, 0.999))
        opt_d = m.optim.Adam(disc.parameters(), lr=2e-3, betas=(0.5, 0.999))
        ones, zeros = m.ones(8), m.zeros(8)
        history[m] = []
        for step in range(STEPS):
            fake = gen(m.tensor(noise[step]))
            assert tuple(fake.shape) == (8, 3, 16, 16)
            opt_d.zero_grad()
            loss_d = criterion(disc(m.tensor(real[step])).view(-1), ones) + \
                criterion(disc(fake.detach()).view(-1), zeros)
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()
            loss_g = criterion(disc(fake).view(-1), ones)
            loss_g.backward()
            opt_g.step()
            history[m].append((loss_d.item(), loss_g.item()))
    np.testing.assert_allclose(history[ember], history[torch], rtol=1e-3)
