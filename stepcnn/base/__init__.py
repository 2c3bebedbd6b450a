"""The leaf helpers every other package may use: counted nouns, the usage error.

Imports nothing of stepcnn.
"""
