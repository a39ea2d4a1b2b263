"""The benchmark's Django app: one model observed by every variant, its unobserved twin, three consumers.

It is added to a baked project by ``benchapp.settings`` only; the generated template never knows about it.
"""
