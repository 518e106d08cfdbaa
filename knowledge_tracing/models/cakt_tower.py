"""CAKT's learning-curve tower: residual 3D-conv blocks over k frames, computed as 2D convs.

The paper's tower convolves each k x H x H volume with 3 x 3 x 3 kernels (zero padding
1) through residual blocks with batch norm and squeeze-excitation over the frames,
channels 1 -> 4 -> 8 -> 4 -> 1, then averages the frames. The layers hold exactly the
paper's parameters (``nn.Conv3d`` weights, ``nn.BatchNorm3d`` affine parameters and
running statistics), but the forward pass computes the same function in a layout that
is several times faster on CPU: with only k = 4 frames, a C-channel volume is a 2D
image with k * C channels (frame d, channel c at d * C + c), and a 3D kernel becomes a
2D kernel from k * C_in to k * C_out channels whose (d_out, d_in) block is the kernel's
depth slice d_in - d_out + 1 (zero beyond one frame apart, which is exactly the depth
padding). Those 2D convolutions with 4 to 32 channels run on oneDNN's channels-last
kernels far faster than 3D convolutions with 1 to 8 channels. Frame-major stacking
makes the channels-last memory a (voxels, k * C) matrix, on which batch norm reduces
to column sums.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.nn import functional

CONV_CHANNELS = (4, 8, 4, 1)


def frame_stacked_weight(weight: torch.Tensor, frames: int) -> torch.Tensor:
    """A Conv3d weight (out, in, depth, h, w) as the equivalent Conv2d weight on frame-stacked channels."""
    out_channels, in_channels, depth, height, width = weight.shape
    if depth == 1:
        eye = torch.eye(frames, dtype=weight.dtype, device=weight.device)
        return torch.kron(eye[..., None, None], weight[:, :, 0])
    with_zero_slice = torch.cat([weight, weight.new_zeros(out_channels, in_channels, 1, height, width)], dim=2)
    offset = torch.arange(frames, device=weight.device)[None, :] - torch.arange(frames, device=weight.device)[:, None]
    slice_index = torch.where(offset.abs() <= depth // 2, offset + depth // 2, depth)
    blocks = with_zero_slice[:, :, slice_index]  # (out, in, d_out, d_in, h, w)
    return blocks.permute(2, 0, 3, 1, 4, 5).reshape(frames * out_channels, frames * in_channels, height, width)


def _stack(rows: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Per-voxel values (n * H * W rows, in any trailing shape) as a channels-last (n, k * C, H, W) stack."""
    n, stacked, height, width = like.shape
    return rows.reshape(n, height, width, stacked).permute(0, 3, 1, 2)


class _VoxelBatchNorm(torch.autograd.Function):
    """Training-mode batch norm of a (voxels, k * C) matrix; column j belongs to channel j mod C.

    Statistics and gradients come from column sums, which are fast on this layout;
    PyTorch's batch norm on the (voxels * k, C) view spends several times longer in
    its per-channel loops when C is 1 to 8.
    """

    @staticmethod
    def forward(ctx, matrix, weight, bias, mean, inverse_std):
        repeats = matrix.shape[1] // weight.shape[0]
        scale = weight * inverse_std
        output = torch.addcmul((bias - mean * scale).repeat(repeats), matrix, scale.repeat(repeats))
        ctx.save_for_backward(matrix, weight, mean, inverse_std)
        return output

    @staticmethod
    def backward(ctx, output_grad):
        matrix, weight, mean, inverse_std = ctx.saved_tensors
        channels = weight.shape[0]
        repeats = matrix.shape[1] // channels
        count = matrix.shape[0] * repeats
        grad_sum = output_grad.sum(0).view(repeats, channels).sum(0)
        grad_dot_input = (output_grad * matrix).sum(0).view(repeats, channels).sum(0)
        grad_dot_normalised = inverse_std * (grad_dot_input - mean * grad_sum)
        grad_scale = weight * inverse_std
        input_coefficient = -grad_scale * inverse_std * grad_dot_normalised / count
        constant = -grad_scale * grad_sum / count - mean * input_coefficient
        matrix_grad = torch.addcmul(
            torch.addcmul(constant.repeat(repeats), matrix, input_coefficient.repeat(repeats)),
            output_grad,
            grad_scale.repeat(repeats),
        )
        return matrix_grad, grad_dot_normalised, grad_sum, None, None


def frame_batch_norm(stack: torch.Tensor, norm: nn.BatchNorm3d) -> torch.Tensor:
    """``norm`` (a BatchNorm3d) on a frame-stacked stack: statistics per 3D channel over all voxels."""
    stacked = stack.shape[1]
    matrix = stack.permute(0, 2, 3, 1).reshape(-1, stacked)
    channels = norm.num_features
    if norm.training:
        with torch.no_grad():
            count = matrix.shape[0] * (stacked // channels)
            column_sums = torch.stack([matrix.sum(0), matrix.square().sum(0)]).double()
            sums = column_sums.view(2, -1, channels).sum(1) / count
            mean, variance = sums[0], (sums[1] - sums[0].square()).clamp(min=0)
            # As in nn.BatchNorm3d, momentum None keeps an equal-weight average of all updates.
            momentum = 1.0 / float(norm.num_batches_tracked + 1) if norm.momentum is None else norm.momentum
            if momentum:
                norm.running_mean.lerp_(mean.float(), momentum)
                norm.running_var.lerp_((variance * count / max(count - 1, 1)).float(), momentum)
                norm.num_batches_tracked += 1
            mean, inverse_std = mean.float(), torch.rsqrt(variance + norm.eps).float()
        return _stack(_VoxelBatchNorm.apply(matrix, norm.weight, norm.bias, mean, inverse_std), stack)
    scale = norm.weight * torch.rsqrt(norm.running_var + norm.eps)
    shift = norm.bias - norm.running_mean * scale
    repeats = stacked // channels
    return _stack(torch.addcmul(shift.repeat(repeats), matrix, scale.repeat(repeats)), stack)


def frame_conv(stack: torch.Tensor, conv: nn.Conv3d, frames: int) -> torch.Tensor:
    """``conv`` (a Conv3d with zero padding) applied to a frame-stacked stack."""
    return functional.conv2d(stack, frame_stacked_weight(conv.weight, frames), padding=conv.padding[1:])


class SqueezeExcitation(nn.Module):
    """Reweights the k frames of each channel from their mean activations (SE over frames)."""

    def __init__(self, frames: int) -> None:
        super().__init__()
        reduced = max(1, frames // 2)
        self.excite = nn.Sequential(
            nn.Linear(frames, reduced, bias=False), nn.ReLU(), nn.Linear(reduced, frames, bias=False), nn.Sigmoid()
        )

    def forward(self, stack: torch.Tensor, channels: int) -> torch.Tensor:
        n, _, height, width = stack.shape
        pixels = stack.permute(0, 2, 3, 1).reshape(n, height * width, -1, channels)
        weights = self.excite(pixels.mean(dim=1).transpose(1, 2)).transpose(1, 2)
        return _stack(pixels * weights[:, None], stack)


class ResidualConvBlock(nn.Module):
    """conv3d-BN-ReLU-conv3d-BN, squeeze-excitation, plus a (projected) shortcut, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, frames: int) -> None:
        super().__init__()
        self.frames = frames
        self.conv1 = nn.Conv3d(in_channels, out_channels, 3, padding=1, bias=False)
        self.norm1 = nn.BatchNorm3d(out_channels)
        self.conv2 = nn.Conv3d(out_channels, out_channels, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm3d(out_channels)
        self.excitation = SqueezeExcitation(frames)
        self.projected = in_channels != out_channels
        if self.projected:
            self.shortcut_conv = nn.Conv3d(in_channels, out_channels, 1, bias=False)
            self.shortcut_norm = nn.BatchNorm3d(out_channels)

    def forward(self, stack: torch.Tensor) -> torch.Tensor:
        body = torch.relu(frame_batch_norm(frame_conv(stack, self.conv1, self.frames), self.norm1))
        body = frame_batch_norm(frame_conv(body, self.conv2, self.frames), self.norm2)
        body = self.excitation(body, self.norm2.num_features)
        shortcut = stack
        if self.projected:
            shortcut = frame_batch_norm(frame_conv(stack, self.shortcut_conv, self.frames), self.shortcut_norm)
        return torch.relu(body + shortcut)


class LearningCurveTower(nn.Module):
    """Volumes (n, k, H, H) -> features (n, H*H): residual blocks 1->4->8->4->1, mean over frames."""

    def __init__(self, frames: int) -> None:
        super().__init__()
        channels = (1, *CONV_CHANNELS)
        self.blocks = nn.Sequential(*(ResidualConvBlock(a, b, frames) for a, b in zip(channels, channels[1:])))
        for module in self.modules():
            if isinstance(module, nn.Conv3d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, volumes: torch.Tensor) -> torch.Tensor:
        stack = self.blocks(volumes.contiguous(memory_format=torch.channels_last))
        return stack.mean(dim=1).flatten(1)

    @contextlib.contextmanager
    def running_statistics_frozen(self):
        """Batch norm without running-statistics updates: for recomputation under checkpointing."""
        norms = [module for module in self.modules() if isinstance(module, nn.BatchNorm3d)]
        momenta = [norm.momentum for norm in norms]
        for norm in norms:
            norm.momentum = 0.0
        try:
            yield
        finally:
            for norm, previous in zip(norms, momenta):
                norm.momentum = previous
