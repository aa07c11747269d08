"""The benchmark application: full-budget configs and runs, the command line, the registry and
the results page. It imports the topic modules (``lessons.cnn``, ``lessons.gan`` …); they never
import it.
"""
