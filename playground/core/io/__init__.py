"""Files: projects, run folders, JSON and user files read safely, exports and generated code."""
