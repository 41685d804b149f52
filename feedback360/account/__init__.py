"""The signed-in user's own account: what we hold about them, and deleting it."""
