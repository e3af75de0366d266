"""Side engines kept for comparison and research; no ``coldchain plan`` path uses them.

See ``README.md`` beside this file for what each engine is and which benchmark runs it.
"""
