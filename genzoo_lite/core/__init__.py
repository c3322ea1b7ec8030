"""The plumbing every room uses: data, seeding, argument checks, the training loop, timing,
memory."""
