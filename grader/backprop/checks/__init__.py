"""The backprop lesson's checks, one module per part of the lesson.

Each module offers `probes(settings)`, the calls a child makes for it, and
`checks(settings)`, the judges that score what came back.
"""
