"""The frame-stacked 2D tower computes exactly the paper's 3D-conv tower, in training and in eval."""

import pytest
import torch
from torch.nn import functional

from knowledge_tracing.models.cakt_tower import LearningCurveTower


def _conv3d_tower(tower: LearningCurveTower, volumes: torch.Tensor) -> torch.Tensor:
    """The tower written with PyTorch's own 3D convolution and batch norm, on (n, 1, k, H, W)."""
    volume = volumes.unsqueeze(1)
    for block in tower.blocks:

        def norm(x, layer):
            return functional.batch_norm(
                x, layer.running_mean.clone(), layer.running_var.clone(), layer.weight, layer.bias, layer.training, 0.0, layer.eps
            )

        body = torch.relu(norm(functional.conv3d(volume, block.conv1.weight, padding=1), block.norm1))
        body = norm(functional.conv3d(body, block.conv2.weight, padding=1), block.norm2)
        body = body * block.excitation.excite(body.mean(dim=(3, 4)))[..., None, None]
        shortcut = volume
        if block.projected:
            shortcut = norm(functional.conv3d(volume, block.shortcut_conv.weight), block.shortcut_norm)
        volume = torch.relu(body + shortcut)
    return volume.mean(dim=2).flatten(1)


@pytest.mark.parametrize("training", [True, False])
def test_frame_stacked_tower_equals_3d_convolutions(training):
    torch.manual_seed(0)
    tower = LearningCurveTower(frames=4)
    for module in tower.modules():
        if isinstance(module, torch.nn.BatchNorm3d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    tower.train(training)
    volumes = torch.randn(5, 4, 6, 6, requires_grad=True)
    reference_volumes = volumes.detach().clone().requires_grad_()

    expected = _conv3d_tower(tower, reference_volumes)
    with tower.running_statistics_frozen():
        actual = tower(volumes)

    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-5)
    actual.square().sum().backward()
    expected.square().sum().backward()
    torch.testing.assert_close(volumes.grad, reference_volumes.grad, rtol=1e-4, atol=1e-5)


def test_training_updates_the_running_statistics_like_batch_norm():
    torch.manual_seed(0)
    tower = LearningCurveTower(frames=4).train()
    volumes = torch.randn(7, 4, 5, 5)
    first_norm = tower.blocks[0].norm1
    reference = torch.nn.BatchNorm3d(first_norm.num_features)
    expected_input = functional.conv3d(volumes.unsqueeze(1), tower.blocks[0].conv1.weight, padding=1)

    tower(volumes)
    reference(expected_input)

    torch.testing.assert_close(first_norm.running_mean, reference.running_mean)
    torch.testing.assert_close(first_norm.running_var, reference.running_var)
