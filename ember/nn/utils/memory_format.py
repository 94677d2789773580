"""Memory-format conversions of convolution weights (torch.channels_last)."""

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


# NOTE: ember's arrays carry no memory-format flag, so converting the weights of the
# convolutions in a module changes nothing; the module is returned, as torch does.

def convert_conv2d_weight_memory_format(module, memory_format):
    return module


def convert_conv3d_weight_memory_format(module, memory_format):
    return module
