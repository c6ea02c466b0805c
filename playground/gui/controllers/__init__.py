"""What drives the window from behind: the training thread, background reads, the document and its undo stack."""
