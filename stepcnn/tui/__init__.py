"""The Textual user interface: widgets that draw a Scene, and the app that drives a Session."""
