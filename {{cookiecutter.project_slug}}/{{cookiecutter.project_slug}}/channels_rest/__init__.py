"""A websocket consumer framework in the style of Django REST framework.

Module for module the public API of djangochannelsrestframework, so its
documentation and existing code work after changing the import prefix.
"""
