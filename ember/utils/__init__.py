"""ember.utils: data loading and other utilities shaped like torch.utils."""
