"""The main window and its parts (files, exports, menus, training controls, editing)."""
