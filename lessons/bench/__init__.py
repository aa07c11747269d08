"""The benchmark application: full-budget configs, the command line, the registry and the results
page. It imports the topic modules (``lessons.cnn``, ``lessons.gan`` …) and is never imported by them.
"""
