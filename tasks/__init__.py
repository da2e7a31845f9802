"""Task data shipped with the project, one folder per family, and its loaders."""
