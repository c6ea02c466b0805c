"""The panels a person edits with: palette, network editor, inspector, data and training controls, forms, code and lesson."""
