"""The model's arithmetic, shared by training, serving, the batch scorer and notebooks."""
