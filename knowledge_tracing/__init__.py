"""Knowledge tracing for Mnemo: study-log tables, student models, metrics, policies.

A pure Python + PyTorch library. It never imports Django, so models can be trained
and evaluated from the command line on exported logs or public data sets.
"""

__version__ = "0.1.0"
